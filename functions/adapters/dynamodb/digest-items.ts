/**
 * Daily digests in the audit table, their heads split over several items: one DynamoDB item holds
 * 400 KB (about 3,000 heads), a bank's day has hundreds of thousands of streams. `DIGEST` /
 * `DAY#<day>#HEADS#<nnnnn>` hold the heads in their sorted order, HEADS_PER_ITEM each; `DAY#<day>`
 * holds the rest of the digest with `headItems`, and is written last, so a digest is read whole or
 * not at all. Every item write-once (a retried write changes nothing). A digest written before the
 * split (heads in its own item, no `headItems`) is read as it is.
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { AuditDigest, StreamHead } from '#core/audit/digest.ts';
import { isConditionFailure, withoutKeys } from './client.ts';

/** Stream names are at most ~200 bytes: 1,000 heads stay well under 400 KB. */
export const HEADS_PER_ITEM = 1000;

const PK = 'DIGEST';
const dayKey = (day: string) => `DAY#${day}`;
const headsKey = (day: string, n: number) => `DAY#${day}#HEADS#${String(n).padStart(5, '0')}`;

type Stored = { SK: string; headItems?: number; heads?: StreamHead[] } & Record<string, unknown>;

export class DigestItems {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private async putOnce(Item: Record<string, unknown>) {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.table, Item, ConditionExpression: 'attribute_not_exists(PK)' }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async put(digest: AuditDigest) {
    const { heads, ...rest } = digest;
    const items = Math.ceil(heads.length / HEADS_PER_ITEM);
    for (let n = 0; n < items; n++)
      await this.putOnce({
        PK,
        SK: headsKey(digest.day, n),
        heads: heads.slice(n * HEADS_PER_ITEM, (n + 1) * HEADS_PER_ITEM),
      });
    await this.putOnce({ PK, SK: dayKey(digest.day), ...rest, headItems: items });
  }

  /** Digests of the days from..to (inclusive), in day order. */
  async between(fromDay: string, toDay: string): Promise<AuditDigest[]> {
    return this.assemble(
      this.query({
        KeyConditionExpression: 'PK = :pk AND SK BETWEEN :from AND :to',
        // `~` sorts after `#`: the last day's head items are in the range too.
        ExpressionAttributeValues: { ':pk': PK, ':from': dayKey(fromDay), ':to': `${dayKey(toDay)}#~` },
      }),
    );
  }

  async latestBefore(day: string): Promise<AuditDigest | undefined> {
    // Newest first: a day's head items come before its digest item; the first digest item ends it.
    const items: Stored[] = [];
    for await (const item of this.query({
      KeyConditionExpression: 'PK = :pk AND SK < :day',
      ExpressionAttributeValues: { ':pk': PK, ':day': dayKey(day) },
      ScanIndexForward: false,
    })) {
      items.push(item);
      if (!item.SK.includes('#HEADS#')) break;
    }
    const digests = await this.assemble(items.reverse());
    return digests.at(-1);
  }

  private async *query(input: Omit<QueryCommandInput, 'TableName'>): AsyncGenerator<Stored> {
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.table, ConsistentRead: true, ...input, ExclusiveStartKey }),
      );
      for (const item of page.Items ?? []) yield item as Stored;
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
  }

  /** Items in key order (a day's digest item, then its head items) put back together. */
  private async assemble(items: AsyncIterable<Stored> | Iterable<Stored>): Promise<AuditDigest[]> {
    const out: AuditDigest[] = [];
    let current: { digest: Stored; heads: StreamHead[]; items: number } | undefined;
    const close = () => {
      if (!current) return;
      const { headItems, heads: own, ...rest } = withoutKeys<Stored>(current.digest);
      if (headItems === undefined) out.push({ ...rest, heads: own ?? [] } as unknown as AuditDigest);
      // Not every head item there: the digest is not shown (they are written before it; a read between is short).
      else if (current.items === headItems) out.push({ ...rest, heads: current.heads } as unknown as AuditDigest);
      current = undefined;
    };
    for await (const item of items) {
      if (!item.SK.includes('#HEADS#')) {
        close();
        current = { digest: item, heads: [], items: 0 };
      } else if (current && item.SK.startsWith(`${current.digest.SK}#`)) {
        current.heads.push(...(item.heads ?? []));
        current.items++;
      }
    }
    close();
    return out;
  }
}
