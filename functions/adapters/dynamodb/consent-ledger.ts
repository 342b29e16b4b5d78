/**
 * The consent ledger on DynamoDB: `SUBJ#<ecifId>`/`EVT#<at>#<eventId>` (immutable events: choices and
 * flag changes), `CUR#<purpose>#<channel>` (the projection of choices) and `CUR#~FLAGS` (the projection
 * of flags: each flag's value and `<flag>EventSk`, the event it rests on). The flags sort with the
 * projection (`~` after any purpose) so one Query over `CUR#` reads a decision's whole input.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
  type TransactWriteCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { Channel, Purpose } from '#core/consent/catalog.ts';
import {
  flagEvents,
  noFlags,
  type ConsentEvent,
  type ConsentFlags,
  type CurrentConsent,
  type FlagCause,
  type FlagEvent,
  type LedgerEvent,
} from '#core/consent/consent.ts';
import type { ConsentLedger } from '#core/consent/ports.ts';
import type { PageCursors } from '#core/shared/page-cursor.ts';
import { batchGet, failedConditions, isTransactionCancelled, withoutKeys } from './client.ts';

export const FLAGS_SK = 'CUR#~FLAGS';
const eventSk = (e: LedgerEvent) => `EVT#${e.capturedAt}#${e.eventId}`;
/** The FLAGS item's attributes naming the event a flag's value rests on, and its cause. */
export const flagEventSk = (flag: keyof ConsentFlags) => `${flag}EventSk`;
const flagCauseOf = (flag: keyof ConsentFlags) => `${flag}Cause`;
const causeKey = (c: FlagCause) =>
  'requestId' in c ? `request:${c.requestId}` : 'receiptId' in c ? `receipt:${c.receiptId}` : 'carriedOver';

export class DynamoConsentLedger implements ConsentLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cursors: PageCursors,
  ) {}

  /** `RCPT#<receiptId>` / `RECEIPT`: one item per capture, found by id alone. */
  async putReceipt(receiptId: string, ecifId: string, receipt: object) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: `RCPT#${receiptId}`, SK: 'RECEIPT', ecifId, receipt },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }

  async receipt(receiptId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: `RCPT#${receiptId}`, SK: 'RECEIPT' } }),
    );
    return Item ? { ecifId: Item.ecifId as string, receipt: Item.receipt as object } : undefined;
  }

  async append(events: ConsentEvent[]) {
    for (const e of events) {
      const pk = `SUBJ#${e.ecifId}`;
      const projection: CurrentConsent & { lastEventSk: string } = {
        purpose: e.purpose,
        channel: e.channel,
        state: e.state,
        eventId: e.eventId,
        capturedAt: e.capturedAt,
        notice: e.notice,
        ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
        lastEventSk: eventSk(e),
      };
      await this.write(e, {
        Put: {
          TableName: this.table,
          Item: { PK: pk, SK: `CUR#${e.purpose}#${e.channel}`, ...projection },
          ConditionExpression: 'attribute_not_exists(SK) OR lastEventSk < :sk',
          ExpressionAttributeValues: { ':sk': eventSk(e) },
        },
      });
    }
  }

  async setFlags(ecifId: string, patch: Partial<ConsentFlags>, at: string, cause: FlagCause) {
    // One transaction per flag (a transaction touches an item once): each flag converges on its latest event.
    for (const e of flagEvents(ecifId, patch, at, cause))
      await this.write(e, this.flagProjection(e), async () => {
        // Refused: a later event holds the flag, or this cause already set it to this value (a retried
        // step): the first still belongs in the ledger, the second is there already.
        const { Item } = await this.db.send(
          new GetCommand({ TableName: this.table, Key: { PK: `SUBJ#${ecifId}`, SK: FLAGS_SK }, ConsistentRead: true }),
        );
        return !(Item?.[e.flag] === e.value && Item?.[flagCauseOf(e.flag)] === causeKey(e.cause));
      });
  }

  private flagProjection(e: FlagEvent, onlyIfNew = false) {
    return {
      Update: {
        TableName: this.table,
        Key: { PK: `SUBJ#${e.ecifId}`, SK: FLAGS_SK },
        UpdateExpression: 'SET #f = :v, #fsk = :sk, #fc = :c, updatedAt = :at',
        ConditionExpression: onlyIfNew
          ? 'attribute_not_exists(#fsk)'
          : '(attribute_not_exists(#fsk) OR #fsk < :sk) AND NOT (#f = :v AND #fc = :c)',
        ExpressionAttributeNames: { '#f': e.flag, '#fsk': flagEventSk(e.flag), '#fc': flagCauseOf(e.flag) },
        ExpressionAttributeValues: { ':v': e.value, ':sk': eventSk(e), ':c': causeKey(e.cause), ':at': e.capturedAt },
      },
    };
  }

  /** The event and its projection in one transaction; only a later event moves the projection. */
  private async write(
    e: LedgerEvent,
    projection: NonNullable<TransactWriteCommandInput['TransactItems']>[number],
    eventStillDue: () => Promise<boolean> = async () => true,
  ) {
    const eventItem = { PK: `SUBJ#${e.ecifId}`, SK: eventSk(e), ...e };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.table, Item: eventItem, ConditionExpression: 'attribute_not_exists(SK)' } },
            projection,
          ],
        }),
      );
    } catch (err) {
      const failed = isTransactionCancelled(err) ? failedConditions(err) : [];
      if (failed.length === 1 && failed[0] === 1) {
        // A later event already holds the projection: the event still belongs in the ledger.
        if (!(await eventStillDue())) return;
        await this.db.send(
          new PutCommand({ TableName: this.table, Item: eventItem, ConditionExpression: 'attribute_not_exists(SK)' }),
        );
      } else if (!(failed.length >= 1 && failed[0] === 0)) {
        throw err; // failed[0] === 0: this very event was written by an earlier attempt
      }
    }
  }

  /**
   * Flags set before they were ledger events (a deployment's existing data): each set flag with no
   * event gets a first one, dated at the FLAGS item's `updatedAt` (the latest instant we can vouch for)
   * with cause `carriedOver`. Run once after the upgrade (`npm run consent:carry-over-flags`); again, it
   * changes nothing. A flag changed meanwhile by the new code already has its event and is left alone.
   */
  async carryOverFlags(now: string): Promise<number> {
    let carried = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new ScanCommand({
          TableName: this.table,
          FilterExpression: 'SK = :flags',
          ExpressionAttributeValues: { ':flags': FLAGS_SK },
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const ecifId = String(item.PK).slice('SUBJ#'.length);
        const at = typeof item.updatedAt === 'string' ? item.updatedAt : now;
        const patch = Object.fromEntries(
          (Object.keys(noFlags) as (keyof ConsentFlags)[])
            .filter((f) => item[f] === true && item[flagEventSk(f)] === undefined)
            .map((f) => [f, true]),
        );
        for (const e of flagEvents(ecifId, patch, at, { carriedOver: true })) {
          try {
            await this.db.send(
              new TransactWriteCommand({
                TransactItems: [
                  { Put: { TableName: this.table, Item: { PK: item.PK, SK: eventSk(e), ...e } } },
                  this.flagProjection(e, true),
                ],
              }),
            );
            carried++;
          } catch (err) {
            if (!isTransactionCancelled(err)) throw err; // else: an event of the new code came first
          }
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return carried;
  }

  async current(ecifId: string) {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :cur)',
        ExpressionAttributeValues: { ':pk': `SUBJ#${ecifId}`, ':cur': 'CUR#' },
      }),
    );
    const flagsItem = Items.find((i) => i.SK === FLAGS_SK);
    const states = Items.filter((i) => i.SK !== FLAGS_SK).map((i) => {
      const { lastEventSk: _l, ...rest } = withoutKeys<CurrentConsent & { lastEventSk: string }>(i);
      return rest;
    });
    const flags: ConsentFlags = { ...noFlags };
    for (const k of Object.keys(noFlags) as (keyof ConsentFlags)[]) if (flagsItem?.[k] === true) flags[k] = true;
    return { states, flags };
  }

  async currentFor(ecifIds: string[], purpose: Purpose, channel: Channel) {
    const sks = [...new Set([`CUR#${purpose}#${channel}`, `CUR#${purpose}#any`, FLAGS_SK])];
    const out = new Map<string, { states: CurrentConsent[]; flags: ConsentFlags }>();
    for (const ecifId of ecifIds) out.set(ecifId, { states: [], flags: { ...noFlags } });
    const keys = [...new Set(ecifIds)].flatMap((ecifId) => sks.map((SK) => ({ PK: `SUBJ#${ecifId}`, SK })));
    for (const item of await batchGet(this.db, this.table, keys)) {
      const held = out.get(String(item.PK).slice('SUBJ#'.length))!;
      if (item.SK === FLAGS_SK)
        for (const k of Object.keys(noFlags) as (keyof ConsentFlags)[]) held.flags[k] = item[k] === true;
      else {
        const { lastEventSk: _l, ...state } = withoutKeys<CurrentConsent & { lastEventSk: string }>(item);
        held.states.push(state);
      }
    }
    return out;
  }

  async history(ecifId: string, page: { until?: string; cursor?: string; limit: number }) {
    // Sealed for this subject and bound: a start key from elsewhere would be outside the query.
    const scope = `consent-history:${ecifId}:${page.until ?? ''}`;
    const start = page.cursor ? this.cursors.open<Record<string, unknown>>(page.cursor, scope) : undefined;
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        // `EVT#<at>#<id>`: the ledger sorts by capture time; `~` sorts after any event id of that instant.
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        ExpressionAttributeValues: { ':pk': `SUBJ#${ecifId}`, ':from': 'EVT#', ':to': `EVT#${page.until ?? '9999'}~` },
        ExclusiveStartKey: start,
        Limit: page.limit,
      }),
    );
    return {
      items: (res.Items ?? []).map((i) => withoutKeys<LedgerEvent>(i)),
      ...(res.LastEvaluatedKey ? { next: this.cursors.seal(res.LastEvaluatedKey, scope) } : {}),
    };
  }
}
