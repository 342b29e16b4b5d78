/**
 * The ECIF on DynamoDB. Keys: `CUST#<ecifId>`/`PROFILE`, `CUST#<ecifId>`/`XREF#<systemId>#<localId>`,
 * `IDX#<kind>#<hmac>`/`OWNER` (one owner per identity, so a conditional put catches a conflict even
 * under a race), `SUPPRESS#<kind>#<hmac>`/`SUPPRESS`.
 */
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { saveGrouped } from './ecif-bulk-writes.ts';
import type { CrossReference, CustomerStatus, GoldenRecord } from '#core/ecif/customer.ts';
import type { IdentityKey } from '#core/ecif/identifiers.ts';
import type { CustomerChange, EcifRegistry, RebindChange, RefusedChange, SubjectStatus } from '#core/ecif/ports.ts';
import { ConflictError } from '#core/shared/errors.ts';
import { batchGet, failedConditions, isTransactionCancelled, withoutKeys } from './client.ts';

const idx = (k: IdentityKey) => ({ PK: `IDX#${k.kind}#${k.hash}`, SK: 'OWNER' });
const suppress = (k: IdentityKey) => ({ PK: `SUPPRESS#${k.kind}#${k.hash}`, SK: 'SUPPRESS' });
const xrefKey = (ecifId: string, x: { systemId: string; localId: string }) => ({
  PK: `CUST#${ecifId}`,
  SK: `XREF#${x.systemId}#${x.localId}`,
});

export class DynamoEcifRegistry implements EcifRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async getCustomer(ecifId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: `CUST#${ecifId}`, SK: 'PROFILE' } }),
    );
    return Item ? withoutKeys<GoldenRecord>(Item) : undefined;
  }

  async findByIdentity(key: IdentityKey) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: idx(key) }));
    return Item?.ecifId as string | undefined;
  }

  async statuses(ecifIds: string[]) {
    const unique = [...new Set(ecifIds)];
    const projection = { ProjectionExpression: 'ecifId, #s, merged, mergedInto.survivor', names: { '#s': 'status' } };
    const statusOf = (i: Record<string, unknown>): [string, SubjectStatus] => [
      i.ecifId as string,
      {
        status: i.status as CustomerStatus,
        ...(i.mergedInto ? { mergedInto: (i.mergedInto as { survivor: string }).survivor } : {}),
        ...(Array.isArray(i.merged) && i.merged.length ? { merged: i.merged as string[] } : {}),
      },
    ];
    // One subject (every single decision): a GetItem, cheaper than a BatchGetItem of one key for the
    // table and the SDK alike; the same projection, the same eventually consistent read.
    if (unique.length === 1) {
      const { Item } = await this.db.send(
        new GetCommand({
          TableName: this.table,
          Key: { PK: `CUST#${unique[0]}`, SK: 'PROFILE' },
          ProjectionExpression: projection.ProjectionExpression,
          ExpressionAttributeNames: projection.names,
        }),
      );
      return new Map(Item ? [statusOf(Item)] : []);
    }
    const items = await batchGet(
      this.db,
      this.table,
      unique.map((ecifId) => ({ PK: `CUST#${ecifId}`, SK: 'PROFILE' })),
      { projection: projection.ProjectionExpression, names: projection.names },
    );
    return new Map(items.map(statusOf));
  }

  async identityOwner(key: IdentityKey) {
    // The index entry and the suppression entry in one BatchGetItem: erasure swaps one for the other.
    const items = await batchGet(this.db, this.table, [idx(key), suppress(key)], { projection: 'PK, ecifId' });
    const owner = items.find((i) => i.PK === idx(key).PK);
    if (owner) return { ecifId: owner.ecifId as string };
    return items.length ? { erased: true as const } : undefined;
  }

  async suppressed(keys: IdentityKey[]) {
    if (keys.length === 0) return [];
    const found = new Set(
      (await batchGet(this.db, this.table, keys.map(suppress), { projection: 'PK' })).map((item) => item.PK as string),
    );
    return keys.filter((k) => found.has(suppress(k).PK));
  }

  async saveCustomer(change: CustomerChange) {
    const { record } = change;
    const items = [
      { Put: { TableName: this.table, Item: { PK: `CUST#${record.ecifId}`, SK: 'PROFILE', ...record } } },
      ...change.addIdentities.map((k) => ({
        Put: {
          TableName: this.table,
          Item: { ...idx(k), ecifId: record.ecifId, kind: k.kind },
          ConditionExpression: 'attribute_not_exists(PK) OR ecifId = :me',
          ExpressionAttributeValues: { ':me': record.ecifId },
        },
      })),
      ...change.removeIdentities.map((k) => ({
        Delete: {
          TableName: this.table,
          Key: idx(k),
          ConditionExpression: 'ecifId = :me',
          ExpressionAttributeValues: { ':me': record.ecifId },
        },
      })),
      ...change.crossReferences.map((x) => ({
        Put: { TableName: this.table, Item: { ...xrefKey(record.ecifId, x), ...x } },
      })),
      ...change.removeCrossReferences.map((x) => ({
        Delete: { TableName: this.table, Key: xrefKey(record.ecifId, x) },
      })),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (isTransactionCancelled(err) && failedConditions(err).length > 0) {
        throw new ConflictError('an identifier was bound to another customer meanwhile', { ecifId: record.ecifId });
      }
      throw err;
    }
  }

  async getCustomers(ecifIds: string[]) {
    const items = await batchGet(
      this.db,
      this.table,
      ecifIds.map((id) => ({ PK: `CUST#${id}`, SK: 'PROFILE' })),
    );
    return items.map((i) => withoutKeys<GoldenRecord>(i));
  }

  saveCustomers(changes: CustomerChange[]): Promise<RefusedChange[]> {
    return saveGrouped(this.db, this.table, changes);
  }

  async crossReferences(ecifId: string) {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :x)',
        ExpressionAttributeValues: { ':pk': `CUST#${ecifId}`, ':x': 'XREF#' },
      }),
    );
    return (Items ?? []).map((i) => withoutKeys<CrossReference>(i));
  }

  async eraseCustomer(erased: GoldenRecord, keys: IdentityKey[]) {
    const at = erased.erasedAt ?? erased.updatedAt;
    await this.db.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: this.table, Item: { PK: `CUST#${erased.ecifId}`, SK: 'PROFILE', ...erased } } },
          ...keys.map((k) => ({ Delete: { TableName: this.table, Key: idx(k) } })),
          // The suppression entry names the kind and when; never the ecifId it belonged to.
          ...keys.map((k) => ({ Put: { TableName: this.table, Item: { ...suppress(k), kind: k.kind, at } } })),
        ],
      }),
    );
  }

  async rebindCustomers(change: RebindChange) {
    const items = [
      ...change.records.map(({ record, expectedUpdatedAt }) => ({
        Put: {
          TableName: this.table,
          Item: { PK: `CUST#${record.ecifId}`, SK: 'PROFILE', ...record },
          ConditionExpression: 'updatedAt = :was',
          ExpressionAttributeValues: { ':was': expectedUpdatedAt },
        },
      })),
      ...change.identities.map(({ key, from, to }) => ({
        Put: {
          TableName: this.table,
          Item: { ...idx(key), ecifId: to, kind: key.kind },
          ConditionExpression: 'ecifId = :from',
          ExpressionAttributeValues: { ':from': from },
        },
      })),
      ...change.crossReferences.flatMap(({ crossReference, from, to }) => [
        { Delete: { TableName: this.table, Key: xrefKey(from, crossReference) } },
        { Put: { TableName: this.table, Item: { ...xrefKey(to, crossReference), ...crossReference } } },
      ]),
    ];
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (err) {
      if (isTransactionCancelled(err) && failedConditions(err).length > 0)
        throw new ConflictError('a golden record or identifier changed meanwhile', { reason: 'changed' });
      throw err;
    }
  }
}
