/**
 * The audit log on DynamoDB: `STREAM#<stream>`/`SEQ#<zero-padded seq>`. Appends are conditional puts
 * of the next sequence number (never an update or delete), so two writers racing on one stream
 * cannot both win: the loser re-reads the head and chains after it.
 *
 * An item holds the event as the bytes its hash is over (`event`: RFC 8785 JSON without `hash`) and
 * `hash`; `stream` and the keys only find it. Reading parses those bytes, so what a query shows is
 * what verification hashed.
 */
import { PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { openSealed, sealNext, type AuditEvent, type AuditInput, type SealedEvent } from '#core/audit/event.ts';
import { canonicalJsonWithout } from '#core/audit/canonical.ts';
import type { AuditLog } from '#core/audit/ports.ts';
import type { Clock } from '#core/shared/clock.ts';
import { isConditionFailure, isTransactionCancelled } from './client.ts';
import { DigestItems } from './digest-items.ts';
import { GroupCommit } from './group-commit.ts';
import { dayEvents, eventsAt, sealedOf, seqKey } from './audit-reads.ts';

export { seqKey };
import type { AuditDigest } from '#core/audit/digest.ts';
import type { AuditFilter, AuditPage, AuditRange } from '#core/audit/ports.ts';
import { InvalidInputError } from '#core/shared/errors.ts';
import type { PageCursors } from '#core/shared/page-cursor.ts';

/** GSI1: events by day, in time order within the day. */
const dayIndex = (e: Pick<AuditEvent, 'at' | 'stream' | 'seq'>) => ({
  GSI1PK: `DAY#${e.at.slice(0, 10)}`,
  GSI1SK: `${e.at}#${e.stream}#${seqKey(e.seq)}`,
});
/**
 * TTL (epoch seconds): the end of the event's day plus the retention, so a whole day expires at once
 * and the cut always falls where a daily digest recorded every head.
 */
export const expiry = (at: string, retentionDays: number) =>
  Math.floor((Date.parse(`${at.slice(0, 10)}T00:00:00.000Z`) + (retentionDays + 1) * 86_400_000) / 1000);
const MAX_DAYS = 400;

/**
 * The item an event is stored as: keys, day index, expiry, and the event as the bytes its hash is
 * over (what an append puts; the canonical bytes are computed when not given).
 */
export const auditItem = (
  event: AuditEvent,
  retentionDays = 730,
  canonical = canonicalJsonWithout(event, 'hash')!,
) => ({
  PK: `STREAM#${event.stream}`,
  SK: seqKey(event.seq),
  ...dayIndex(event),
  retainUntil: expiry(event.at, retentionDays),
  stream: event.stream,
  event: canonical,
  hash: event.hash,
});

function daysBetween(from: string, to: string): string[] {
  const days: string[] = [];
  for (
    let t = Date.parse(`${from.slice(0, 10)}T00:00:00.000Z`);
    t < Date.parse(to) && days.length < MAX_DAYS;
    t += 86_400_000
  ) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

const eventOf = (item: Record<string, unknown>) => openSealed(sealedOf(item));

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cursors: PageCursors,
    private readonly clock: Clock,
    /** Days an event is kept after the day it was written (11 CCR §7101: at least 24 months). */
    private readonly retentionDays = 730,
  ) {
    this.digestItems = new DigestItems(db, table);
  }

  /** The daily digests, their heads over several items (digest-items.ts). */
  private readonly digestItems: DigestItems;

  /**
   * The last head this process wrote or read per stream: an append tries it first (one round trip);
   * if another writer moved the stream on, the conditional put fails and the head is read again.
   */
  private readonly heads = new Map<string, Pick<AuditEvent, 'seq' | 'hash'>>();

  private async readHead(stream: string): Promise<Pick<AuditEvent, 'seq' | 'hash'> | undefined> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': `STREAM#${stream}` },
        ScanIndexForward: false,
        Limit: 1,
        ConsistentRead: true,
      }),
    );
    return Items?.[0] ? eventOf(Items[0]) : undefined;
  }

  /**
   * Appends from this process to one stream are written in turn, each batch on the head the previous
   * one wrote: whatever queued while a write was in flight goes next, chained in memory and written
   * in one transaction of conditional puts (group commit). Racing each other through the condition
   * would cost a head read and a backoff per loss, quadratic in the appenders (25 systems of one
   * request finishing at once); one put each would cost 25 round trips in a row. Other processes
   * (other Lambda instances) still race through the condition.
   */
  private readonly appends = new GroupCommit<AuditInput, AuditEvent>(async (inputs) => {
    try {
      return (await this.write(inputs)).map((value) => ({ status: 'fulfilled', value }));
    } catch (err) {
      if (inputs.length === 1) return [{ status: 'rejected', reason: err }];
      // One bad input (or a batch too large for a transaction) must not fail the others: one by one.
      const settled: PromiseSettledResult<AuditEvent>[] = [];
      for (const input of inputs) settled.push(...(await Promise.allSettled([this.write([input]).then(([e]) => e)])));
      return settled;
    }
  });

  append(input: AuditInput): Promise<AuditEvent> {
    return this.appends.add(input.stream, input);
  }

  /** One stream's inputs, chained after its head, written all or none. */
  private async write(inputs: AuditInput[]): Promise<AuditEvent[]> {
    const stream = inputs[0].stream;
    for (let attempt = 0; ; attempt++) {
      let head = (attempt === 0 && this.heads.get(stream)) || (await this.readHead(stream));
      const at = this.clock.now().toISOString();
      const sealed = inputs.map((input) => {
        const next = sealNext(head, input, at);
        head = next.event;
        return next;
      });
      const puts = sealed.map(({ event, sealed }) => ({
        TableName: this.table,
        Item: auditItem(event, this.retentionDays, sealed.canonical),
        ConditionExpression: 'attribute_not_exists(PK)',
      }));
      try {
        if (puts.length === 1) await this.db.send(new PutCommand(puts[0]));
        else await this.db.send(new TransactWriteCommand({ TransactItems: puts.map((Put) => ({ Put })) }));
        if (this.heads.size > 1000) this.heads.clear();
        const last = sealed.at(-1)!.event;
        this.heads.set(stream, { seq: last.seq, hash: last.hash });
        return sealed.map((s) => s.event);
      } catch (err) {
        this.heads.delete(stream);
        // Another writer took a seq (a failed condition, or in a transaction a conflict): chain after it.
        if (!(isConditionFailure(err) || isTransactionCancelled(err)) || attempt >= 20) throw err;
        // A stale cached head needs no pause; a race with another writer does.
        if (attempt > 0) await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
      }
    }
  }

  async stream(stream: string) {
    return (await this.sealed(stream)).map(openSealed);
  }

  async sealed(stream: string) {
    const out: SealedEvent[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `STREAM#${stream}` },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map(sealedOf));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  dayEvents(day: string) {
    return dayEvents(this.db, this.table, day);
  }

  eventsAt(keys: { stream: string; seq: number }[]) {
    return eventsAt(this.db, this.table, keys);
  }

  async events(range: AuditRange, filter: AuditFilter, page: { cursor?: string; limit: number }): Promise<AuditPage> {
    // Sealed for the range's start and the filter (`to` defaults to now: it moves between pages).
    const scope = `audit-events:${JSON.stringify([range.from, filter.stream, filter.ecifId, filter.actor, filter.action])}`;
    const start = page.cursor
      ? this.cursors.open<{ day?: string; key?: Record<string, unknown> }>(page.cursor, scope)
      : {};
    const matches = (e: AuditEvent) =>
      e.at >= range.from &&
      e.at < range.to &&
      (!filter.stream || e.stream === filter.stream) &&
      (!filter.ecifId || e.target?.ecifId === filter.ecifId) &&
      (!filter.actor || e.actor.principal === filter.actor || e.actor.role === filter.actor) &&
      (!filter.action || e.action === filter.action);
    const items: AuditEvent[] = [];
    // One stream: its own partition. Otherwise the day index, day by day.
    const partitions = filter.stream
      ? [`stream:${filter.stream}`]
      : daysBetween(range.from, range.to).map((d) => `day:${d}`);
    let i = start.day ? partitions.indexOf(start.day) : 0;
    if (i < 0) throw new InvalidInputError('the cursor is not one this API gave out', { field: 'cursor' });
    let key = start.key;
    // A `to` moved back before the position: nothing is left in the range (and the key is outside the query).
    if (typeof key?.GSI1SK === 'string' && key.GSI1SK >= range.to) return { items: [] };
    for (; i < partitions.length; i++, key = undefined) {
      const p = partitions[i];
      do {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            ...(p.startsWith('stream:')
              ? { KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': `STREAM#${p.slice(7)}` } }
              : {
                  IndexName: 'GSI1',
                  KeyConditionExpression: 'GSI1PK = :d AND GSI1SK BETWEEN :from AND :to',
                  ExpressionAttributeValues: { ':d': `DAY#${p.slice(4)}`, ':from': range.from, ':to': `${range.to}` },
                }),
            ExclusiveStartKey: key,
            Limit: page.limit - items.length,
          }),
        );
        items.push(...(res.Items ?? []).map(eventOf).filter(matches));
        key = res.LastEvaluatedKey;
        if (items.length >= page.limit) {
          const next = key ? { day: p, key } : i + 1 < partitions.length ? { day: partitions[i + 1] } : undefined;
          return { items, ...(next ? { next: this.cursors.seal(next, scope) } : {}) };
        }
      } while (key);
    }
    return { items };
  }

  async streamsIn(range: AuditRange): Promise<string[]> {
    const streams = new Set<string>();
    for (const day of daysBetween(range.from, range.to)) {
      let key: Record<string, unknown> | undefined;
      do {
        const res = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'GSI1',
            KeyConditionExpression: 'GSI1PK = :d AND GSI1SK BETWEEN :from AND :to',
            ExpressionAttributeValues: { ':d': `DAY#${day}`, ':from': range.from, ':to': range.to },
            // `stream` is a reserved word.
            ProjectionExpression: '#s',
            ExpressionAttributeNames: { '#s': 'stream' },
            ExclusiveStartKey: key,
          }),
        );
        for (const it of res.Items ?? []) streams.add(String(it.stream));
        key = res.LastEvaluatedKey;
      } while (key);
    }
    return [...streams];
  }

  putDigest(digest: AuditDigest) {
    return this.digestItems.put(digest);
  }

  digests(fromDay: string, toDay: string) {
    return this.digestItems.between(fromDay, toDay);
  }

  latestDigestBefore(day: string) {
    return this.digestItems.latestBefore(day);
  }
}
