/**
 * The consent ledger on DynamoDB: `SUBJ#<ecifId>`/`EVT#<at>#<eventId>` (immutable events),
 * `CUR#<purpose>#<channel>` (the projection) and `CUR#~FLAGS` (flags). The flags sort with the
 * projection (`~` after any purpose) so one Query over `CUR#` reads a decision's whole input.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { Channel, Purpose } from '#core/consent/catalog.ts';
import { noFlags, type ConsentEvent, type ConsentFlags, type CurrentConsent } from '#core/consent/consent.ts';
import type { ConsentLedger } from '#core/consent/ports.ts';
import type { PageCursors } from '#core/shared/page-cursor.ts';
import { batchGet, failedConditions, isTransactionCancelled, setExpression, withoutKeys } from './client.ts';

export const FLAGS_SK = 'CUR#~FLAGS';
const eventSk = (e: ConsentEvent) => `EVT#${e.capturedAt}#${e.eventId}`;

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
      const eventItem = { PK: pk, SK: eventSk(e), ...e };
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
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              { Put: { TableName: this.table, Item: eventItem, ConditionExpression: 'attribute_not_exists(SK)' } },
              {
                // Only a later event moves the projection: concurrent writers converge on the latest.
                Put: {
                  TableName: this.table,
                  Item: { PK: pk, SK: `CUR#${e.purpose}#${e.channel}`, ...projection },
                  ConditionExpression: 'attribute_not_exists(SK) OR lastEventSk < :sk',
                  ExpressionAttributeValues: { ':sk': eventSk(e) },
                },
              },
            ],
          }),
        );
      } catch (err) {
        const failed = isTransactionCancelled(err) ? failedConditions(err) : [];
        if (failed.length === 1 && failed[0] === 1) {
          // A later event already holds the projection: the event still belongs in the ledger.
          await this.db.send(
            new PutCommand({ TableName: this.table, Item: eventItem, ConditionExpression: 'attribute_not_exists(SK)' }),
          );
        } else if (!(failed.length >= 1 && failed[0] === 0)) {
          throw err; // failed[0] === 0: this very event was written by an earlier attempt
        }
      }
    }
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

  async setFlags(ecifId: string, patch: Partial<ConsentFlags>, at: string) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `SUBJ#${ecifId}`, SK: FLAGS_SK },
        ...setExpression({ ...patch, updatedAt: at }),
      }),
    );
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
      items: (res.Items ?? []).map((i) => withoutKeys<ConsentEvent>(i)),
      ...(res.LastEvaluatedKey ? { next: this.cursors.seal(res.LastEvaluatedKey, scope) } : {}),
    };
  }
}
