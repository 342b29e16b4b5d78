/**
 * A connected system's call slots and start register in the requests table:
 * `SLOT#<systemId>` / `<k>` (k < concurrency) holds the lease of the call in slot k
 * (`leaseId`, `leaseUntil` in epoch ms), deleted when the call gives it back;
 * `START#<systemId>` / `NEXT` holds the next free call start (`nextStartAt`, epoch ms).
 * Every write is conditional; `expiresAt` (TTL) only tidies what a crash left behind: the
 * conditions read `leaseUntil`, never whether TTL has run.
 */
import {
  DeleteCommand,
  GetCommand,
  PutCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { CallSlotStore, SlotLease } from '#core/connectors/call-slots.ts';
import { isConditionFailure } from './client.ts';

/** Seconds past a lease's (or a booked start's) end before TTL may remove the item. */
const TIDY_AFTER_S = 3600;

const ttl = (ms: number) => Math.ceil(ms / 1000) + TIDY_AFTER_S;

export class DynamoCallSlots implements CallSlotStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private slotKey(lease: SlotLease) {
    return { PK: `SLOT#${lease.systemId}`, SK: String(lease.slot) };
  }

  async take(lease: SlotLease, now: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            ...this.slotKey(lease),
            leaseId: lease.leaseId,
            leaseUntil: lease.until,
            expiresAt: ttl(lease.until),
          },
          // Our own lease id passes too: a take retried by the SDK after it landed is not refused by itself.
          ConditionExpression: 'attribute_not_exists(PK) OR leaseUntil < :now OR leaseId = :lease',
          ExpressionAttributeValues: { ':now': now, ':lease': lease.leaseId },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async renew(lease: SlotLease): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: this.slotKey(lease),
          UpdateExpression: 'SET leaseUntil = :until, expiresAt = :ttl',
          ConditionExpression: 'leaseId = :lease',
          ExpressionAttributeValues: { ':until': lease.until, ':ttl': ttl(lease.until), ':lease': lease.leaseId },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async giveBack(lease: SlotLease): Promise<void> {
    try {
      await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: this.slotKey(lease),
          ConditionExpression: 'leaseId = :lease',
          ExpressionAttributeValues: { ':lease': lease.leaseId },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async bookStart(systemId: string, gapMs: number, now: number, latest: number): Promise<number | undefined> {
    const Key = { PK: `START#${systemId}`, SK: 'NEXT' };
    for (;;) {
      // Idle: the last booked start is past, this call starts now and the next one gap later.
      try {
        await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET nextStartAt = :next, expiresAt = :ttl',
            ConditionExpression: 'attribute_not_exists(nextStartAt) OR nextStartAt <= :now',
            ExpressionAttributeValues: { ':next': now + gapMs, ':now': now, ':ttl': ttl(now + gapMs) },
          }),
        );
        return now;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      // Busy: this call takes the booked start and moves the register one gap on, in one atomic update.
      try {
        const { Attributes } = await this.db.send(
          new UpdateCommand({
            TableName: this.table,
            Key,
            UpdateExpression: 'SET nextStartAt = nextStartAt + :gap, expiresAt = :ttl',
            ConditionExpression: 'nextStartAt > :now AND nextStartAt <= :latest',
            ExpressionAttributeValues: { ':gap': gapMs, ':now': now, ':latest': latest, ':ttl': ttl(latest + gapMs) },
            ReturnValues: 'UPDATED_OLD',
          }),
        );
        return Number(Attributes!.nextStartAt);
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
      // Neither held: booked beyond `latest`, or the register moved between the two updates.
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      if (Item && Number(Item.nextStartAt) > latest) return undefined;
    }
  }

  async holdStarts(systemId: string, until: number): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: `START#${systemId}`, SK: 'NEXT' },
          UpdateExpression: 'SET nextStartAt = :until, expiresAt = :ttl',
          ConditionExpression: 'attribute_not_exists(nextStartAt) OR nextStartAt < :until',
          ExpressionAttributeValues: { ':until': until, ':ttl': ttl(until) },
        }),
      );
    } catch (err) {
      // Held as long or longer already.
      if (!isConditionFailure(err)) throw err;
    }
  }
}
