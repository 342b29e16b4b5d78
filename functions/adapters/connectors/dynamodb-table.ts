/**
 * The `dynamodb` connector: one item per subject, keyed by the subject's local id. Erasure applies
 * each field's strategy in one conditional update (or deletes the item); verification reads it back.
 */
import { DeleteCommand, GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Connector, ConnectorOutcome, SystemWork, Verification } from '#core/connectors/connector.ts';
import { applyStrategy, hasErasedForm } from '#core/connectors/strategies.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';

type DynamoSettings = { kind: 'dynamodb'; table: string; keyAttribute: string };

const transient = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'ServiceUnavailable',
  'TimeoutError',
]);

export class DynamoTableConnector implements Connector {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly settings: DynamoSettings,
    /** Key for the `hash` strategy: the same value hashes the same within a system. */
    private readonly hashKey: string,
  ) {}

  private key(work: SystemWork) {
    return { [this.settings.keyAttribute]: work.localId };
  }

  private async guarded<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      const name = (err as Error).name;
      if (transient.has(name) || (err as { $retryable?: unknown }).$retryable)
        throw new TransientSystemError(`table call failed (${name})`);
      if (name === 'ResourceNotFoundException') throw new PermanentSystemError('table not found');
      throw new PermanentSystemError(`table call failed (${name})`);
    }
  }

  private async read(work: SystemWork) {
    const { Item } = await this.guarded(() =>
      this.db.send(new GetCommand({ TableName: this.settings.table, Key: this.key(work), ConsistentRead: true })),
    );
    return Item;
  }

  /** Sets attributes in one conditional update (the item must still exist). */
  private async set(work: SystemWork, values: Record<string, unknown>) {
    const entries = Object.entries(values);
    await this.guarded(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.settings.table,
          Key: this.key(work),
          UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: {
            ...Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
            '#k': this.settings.keyAttribute,
          },
          ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
          ConditionExpression: 'attribute_exists(#k)',
        }),
      ),
    );
  }

  /** restrict and opt_out set one `privacy_<flag>` attribute per flag (contract in docs/connectors.md). */
  private flagAttributes(work: SystemWork): string[] {
    return (work.flags?.length ? work.flags : [work.action === 'restrict' ? 'restricted' : 'optOut']).map(
      (f) => `privacy_${f}`,
    );
  }

  async execute(work: SystemWork): Promise<ConnectorOutcome> {
    if (work.action === 'erase') return this.erase(work);
    const Item = await this.read(work);
    if (!Item)
      return {
        recordsAffected: 0,
        fieldsChanged: [],
        detail: 'no record held',
        ...(work.action === 'access' ? { data: {} } : {}),
      };
    switch (work.action) {
      case 'access': {
        const { [this.settings.keyAttribute]: _key, ...data } = Item;
        return { recordsAffected: 1, fieldsChanged: [], data };
      }
      case 'rectify': {
        const changes = Object.fromEntries(
          Object.entries(work.values ?? {}).filter(([k, v]) => k in Item && Item[k] !== v),
        );
        if (Object.keys(changes).length === 0)
          return { recordsAffected: 0, fieldsChanged: [], detail: 'already rectified' };
        await this.set(work, changes);
        return { recordsAffected: 1, fieldsChanged: Object.keys(changes) };
      }
      case 'restrict':
      case 'opt_out': {
        const unset = this.flagAttributes(work).filter((a) => Item[a] !== true);
        if (unset.length === 0) return { recordsAffected: 0, fieldsChanged: [], detail: 'already set' };
        await this.set(work, Object.fromEntries(unset.map((a) => [a, true])));
        return { recordsAffected: 1, fieldsChanged: unset };
      }
    }
  }

  private async erase(work: SystemWork): Promise<ConnectorOutcome> {
    const Item = await this.read(work);
    if (!Item) return { recordsAffected: 0, fieldsChanged: [], detail: 'no record held' };
    if (work.fields.some((f) => f.strategy === 'delete_row')) {
      await this.guarded(() =>
        this.db.send(new DeleteCommand({ TableName: this.settings.table, Key: this.key(work) })),
      );
      return { recordsAffected: 1, fieldsChanged: Object.keys(Item).filter((k) => k !== this.settings.keyAttribute) };
    }
    const changes = work.fields.filter((f) => f.name in Item && !hasErasedForm(f.strategy, Item[f.name]));
    if (changes.length === 0) return { recordsAffected: 0, fieldsChanged: [], detail: 'already erased' };
    const names = Object.fromEntries(changes.map((f, i) => [`#f${i}`, f.name]));
    const values = Object.fromEntries(
      changes.map((f, i) => [
        `:v${i}`,
        applyStrategy(f.strategy as Exclude<typeof f.strategy, 'delete_row'>, Item[f.name], this.hashKey),
      ]),
    );
    await this.guarded(() =>
      this.db.send(
        new UpdateCommand({
          TableName: this.settings.table,
          Key: this.key(work),
          UpdateExpression: `SET ${changes.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
          ExpressionAttributeNames: { ...names, '#k': this.settings.keyAttribute },
          ExpressionAttributeValues: values,
          ConditionExpression: 'attribute_exists(#k)',
        }),
      ),
    );
    return { recordsAffected: 1, fieldsChanged: changes.map((f) => f.name) };
  }

  async verify(work: SystemWork): Promise<Verification | undefined> {
    const Item = await this.read(work);
    if (work.action === 'access') return undefined;
    if (!Item) return { verified: true, remaining: [], method: 'read-back: no record' };
    if (work.action === 'rectify') {
      const remaining = Object.entries(work.values ?? {})
        .filter(([k, v]) => k in Item && Item[k] !== v)
        .map(([k]) => k);
      return { verified: remaining.length === 0, remaining, method: 'read-back' };
    }
    if (work.action === 'restrict' || work.action === 'opt_out') {
      const remaining = this.flagAttributes(work).filter((a) => Item[a] !== true);
      return { verified: remaining.length === 0, remaining, method: 'read-back' };
    }
    const remaining = work.fields
      .filter((f) => f.name in Item && !hasErasedForm(f.strategy, Item[f.name]))
      .map((f) => f.name);
    return { verified: remaining.length === 0, remaining, method: 'read-back' };
  }
}
