/**
 * The audit table's reads that a day's verification makes: the day index, page by page, and the
 * events just before a day's (the anchors), in batches. Apart from audit-log.ts (appends, search)
 * so each stays one job.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJsonWithout } from '#core/audit/canonical.ts';
import type { AuditEvent, SealedEvent } from '#core/audit/event.ts';
import type { StoredEvent } from '#core/audit/ports.ts';
import { batchGet, withoutKeys } from './client.ts';

export const seqKey = (seq: number) => `SEQ#${String(seq).padStart(12, '0')}`;

/** The stored event of an item; items written before events were stored sealed are sealed from their attributes. */
export function sealedOf(item: Record<string, unknown>): SealedEvent {
  if (typeof item.event === 'string') return { canonical: item.event, hash: String(item.hash) };
  const event = withoutKeys<AuditEvent>(item);
  return { canonical: canonicalJsonWithout(event, 'hash')!, hash: event.hash };
}

/** A stored item as an event at its key (the key's stream and seq, whatever its bytes say). */
function storedOf(item: Record<string, unknown>): StoredEvent {
  return {
    ...sealedOf(item),
    stream: String(item.PK).slice('STREAM#'.length),
    // A key that is not a seq of ours (a forged insert) is NaN: its bytes then disagree with it.
    seq: /^SEQ#\d{12}$/.test(String(item.SK)) ? Number(String(item.SK).slice(4)) : Number.NaN,
  };
}

/** The day index (GSI1, `DAY#<day>`), in time order, a page (1 MB) at a time. */
export async function* dayEvents(db: DynamoDBDocumentClient, table: string, day: string): AsyncIterable<StoredEvent[]> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :d',
        ExpressionAttributeValues: { ':d': `DAY#${day}` },
        ExclusiveStartKey,
      }),
    );
    yield (res.Items ?? []).filter((i) => String(i.PK).startsWith('STREAM#')).map(storedOf);
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/** The items at these keys, a hundred per BatchGetItem, read consistently. */
export async function eventsAt(
  db: DynamoDBDocumentClient,
  table: string,
  keys: { stream: string; seq: number }[],
): Promise<StoredEvent[]> {
  const items = await batchGet(
    db,
    table,
    keys.map((k) => ({ PK: `STREAM#${k.stream}`, SK: seqKey(k.seq) })),
    { consistentRead: true },
  );
  return items.map(storedOf);
}
