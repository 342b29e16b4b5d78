/**
 * The audit table's reads that a day's verification makes: the day index read once for the
 * streams of a day and their first and last seq, and one stream's seq range, page by page. Apart
 * from audit-log.ts (appends, search) so each stays one job.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { canonicalJsonWithout } from '#core/audit/canonical.ts';
import type { AuditEvent, SealedEvent } from '#core/audit/event.ts';
import type { DayStream } from '#core/audit/ports.ts';
import { withoutKeys } from './client.ts';

export const seqKey = (seq: number) => `SEQ#${String(seq).padStart(12, '0')}`;

/** The stored event of an item; items written before events were stored sealed are sealed from their attributes. */
export function sealedOf(item: Record<string, unknown>): SealedEvent {
  if (typeof item.event === 'string') return { canonical: item.event, hash: String(item.hash) };
  const event = withoutKeys<AuditEvent>(item);
  return { canonical: canonicalJsonWithout(event, 'hash')!, hash: event.hash };
}

export async function* sealedPages(
  db: DynamoDBDocumentClient,
  table: string,
  stream: string,
  from: number,
  to: number,
): AsyncIterable<SealedEvent[]> {
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `STREAM#${stream}`, ':from': seqKey(from), ':to': seqKey(to) },
        ConsistentRead: true,
        ExclusiveStartKey,
      }),
    );
    yield (page.Items ?? []).map(sealedOf);
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
}

/**
 * The day index (GSI1, `DAY#<day>`), keys only: per stream its least and greatest seq that day. An
 * item whose sort key is not a seq of ours (a forged insert) counts by the digits it starts with,
 * so the stream's range still covers it and its chain check finds it.
 */
export async function dayStreams(db: DynamoDBDocumentClient, table: string, day: string): Promise<DayStream[]> {
  const streams = new Map<string, DayStream>();
  let ExclusiveStartKey: Record<string, unknown> | undefined;
  do {
    const res = await db.send(
      new QueryCommand({
        TableName: table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :d',
        ExpressionAttributeValues: { ':d': `DAY#${day}` },
        // `stream` is a reserved word.
        ProjectionExpression: '#s, SK',
        ExpressionAttributeNames: { '#s': 'stream' },
        ExclusiveStartKey,
      }),
    );
    for (const it of res.Items ?? []) {
      const stream = String(it.stream);
      const seq = Number.parseInt(String(it.SK).slice(4), 10);
      if (!Number.isFinite(seq)) continue;
      const s = streams.get(stream);
      if (!s) streams.set(stream, { stream, first: seq, last: seq });
      else {
        if (seq < s.first) s.first = seq;
        if (seq > s.last) s.last = seq;
      }
    }
    ExclusiveStartKey = res.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  return [...streams.values()];
}
