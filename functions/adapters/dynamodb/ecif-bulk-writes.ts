/**
 * Grouped writes of a load batch. The identity index is what must hold under a race, so its items go
 * in conditional transactions of up to 100 items, many records each (a record never split across two);
 * a cancelled transaction names the items whose condition failed: their records are refused alone and
 * the rest goes again. The profile and cross-reference items live under the record's own partition and
 * carry no condition: they follow in BatchWriteItem calls of 25, after the index holds.
 */
import {
  BatchWriteCommand,
  GetCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { IdentityKey } from '#core/ecif/identifiers.ts';
import type { CustomerChange, RefusedChange } from '#core/ecif/ports.ts';
import { failedConditions, isTransactionCancelled } from './client.ts';

const TRANSACTION_ITEMS = 100;
const BATCH_WRITE_ITEMS = 25;
/** Calls of one batch in flight: the Map runs many batches at once, and each item's partition is its own. */
const TRANSACTIONS_IN_FLIGHT = 2;
const BATCH_WRITES_IN_FLIGHT = 4;

async function inFlight<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const idx = (k: IdentityKey) => ({ PK: `IDX#${k.kind}#${k.hash}`, SK: 'OWNER' });

type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

function indexItems(table: string, change: CustomerChange): { item: TransactItem; key: IdentityKey }[] {
  const me = change.record.ecifId;
  return [
    ...change.addIdentities.map((k) => ({
      key: k,
      item: {
        Put: {
          TableName: table,
          Item: { ...idx(k), ecifId: me, kind: k.kind },
          ConditionExpression: 'attribute_not_exists(PK) OR ecifId = :me',
          ExpressionAttributeValues: { ':me': me },
        },
      },
    })),
    ...change.removeIdentities.map((k) => ({
      key: k,
      item: {
        Delete: {
          TableName: table,
          Key: idx(k),
          ConditionExpression: 'attribute_not_exists(PK) OR ecifId = :me',
          ExpressionAttributeValues: { ':me': me },
        },
      },
    })),
  ];
}

/** Writes the changes; answers the ones refused because an identifier is bound to another record. */
export async function saveGrouped(
  db: DynamoDBDocumentClient,
  table: string,
  changes: CustomerChange[],
): Promise<RefusedChange[]> {
  const refused: RefusedChange[] = [];
  const groups: CustomerChange[][] = [];
  let group: CustomerChange[] = [];
  let size = 0;
  for (const change of changes) {
    const n = change.addIdentities.length + change.removeIdentities.length;
    if (size + n > TRANSACTION_ITEMS && group.length) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(change);
    size += n;
  }
  if (group.length) groups.push(group);

  const accepted: CustomerChange[] = [];
  await inFlight(groups, TRANSACTIONS_IN_FLIGHT, async (g) => {
    let pending = g;
    while (pending.length) {
      const parts = pending.map((c) => ({ change: c, items: indexItems(table, c) }));
      const items = parts.flatMap((p) => p.items);
      if (items.length === 0) break;
      try {
        await db.send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) }));
        break;
      } catch (err) {
        const failed = isTransactionCancelled(err) ? new Set(failedConditions(err)) : new Set<number>();
        if (failed.size === 0) throw err;
        let at = 0;
        const next: CustomerChange[] = [];
        for (const p of parts) {
          const bad = p.items.findIndex((_, i) => failed.has(at + i));
          at += p.items.length;
          if (bad < 0) next.push(p.change);
          else refused.push(await refusal(db, table, p.change.record.ecifId, p.items[bad].key));
        }
        pending = next;
      }
    }
    accepted.push(...pending);
  });

  const rest = accepted.flatMap((c) => [
    { PutRequest: { Item: { PK: `CUST#${c.record.ecifId}`, SK: 'PROFILE', ...c.record } } },
    ...c.crossReferences.map((x) => ({
      PutRequest: { Item: { PK: `CUST#${c.record.ecifId}`, SK: `XREF#${x.systemId}#${x.localId}`, ...x } },
    })),
    ...c.removeCrossReferences.map((x) => ({
      DeleteRequest: { Key: { PK: `CUST#${c.record.ecifId}`, SK: `XREF#${x.systemId}#${x.localId}` } },
    })),
  ]);
  const calls: WriteRequest[][] = [];
  for (let i = 0; i < rest.length; i += BATCH_WRITE_ITEMS) calls.push(rest.slice(i, i + BATCH_WRITE_ITEMS));
  await inFlight(calls, BATCH_WRITES_IN_FLIGHT, (c) => batchWrite(db, table, c));
  return refused;
}

/** Who holds the key now (the reject file names the golden record, never the identifier). */
async function refusal(db: DynamoDBDocumentClient, table: string, ecifId: string, key: IdentityKey) {
  const { Item } = await db.send(new GetCommand({ TableName: table, Key: idx(key), ConsistentRead: true }));
  return { ecifId, kind: key.kind, ...(typeof Item?.ecifId === 'string' ? { boundTo: Item.ecifId } : {}) };
}

type WriteRequest = {
  PutRequest?: { Item: Record<string, unknown> };
  DeleteRequest?: { Key: Record<string, unknown> };
};

/** One BatchWriteItem call; what DynamoDB leaves unprocessed goes again, backing off. */
async function batchWrite(db: DynamoDBDocumentClient, table: string, requests: WriteRequest[]): Promise<void> {
  let pending: WriteRequest[] | undefined = requests;
  for (let attempt = 0; pending?.length; attempt++) {
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
    const res = await db.send(new BatchWriteCommand({ RequestItems: { [table]: pending as never } }));
    pending = res.UnprocessedItems?.[table] as WriteRequest[] | undefined;
  }
}
