/**
 * Daily digests with a bank's day of heads, in DynamoDB Local: 2,500 heads of long stream names (more
 * than one 400 KB item holds) split over head items and read back whole, hash intact; a digest whose
 * head items are not all written is not shown; a digest written before the split is read as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteCommand, DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { DigestItems, HEADS_PER_ITEM } from '#adapters/dynamodb/digest-items.ts';
import { buildDigest, digestHolds } from '#core/audit/digest.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
let items: DigestItems;
let db: DynamoDBDocumentClient;
beforeAll(async () => {
  stores = await startLocalStores();
  db = DynamoDBDocumentClient.from(stores.dynamo.client);
  items = new DigestItems(db, stores.tables.audit);
}, 60_000);
afterAll(async () => stores?.stop());

// ~200-byte heads: 2,500 of them are ~500 KB, more than one item may hold.
const heads = (n: number, tag: string) =>
  Array.from({ length: n }, (_, i) => ({
    stream: `request:${tag}:${String(i).padStart(6, '0')}:${'x'.repeat(110)}`,
    seq: i + 1,
    hash: 'a'.repeat(64),
  }));

describe('digest items', () => {
  it("a day's 2,500 heads go over three head items and come back whole, in order, hash intact", async () => {
    const first = buildDigest('2031-01-01', '2031-01-02T00:05:00.000Z', heads(10, 'a'), undefined);
    const big = buildDigest('2031-01-02', '2031-01-03T00:05:00.000Z', heads(2500, 'b'), first);
    await items.put(first);
    await items.put(big);
    await items.put(big); // a retried write changes nothing
    const read = await items.between('2031-01-01', '2031-01-02');
    expect(read.map((d) => [d.day, d.heads.length])).toEqual([
      ['2031-01-01', 10],
      ['2031-01-02', 2500],
    ]);
    expect(Math.ceil(2500 / HEADS_PER_ITEM)).toBe(3);
    expect(read[1]).toEqual(big);
    expect(read.map(digestHolds)).toEqual([true, true]);
    expect(await items.latestBefore('2031-01-03')).toEqual(big);
    expect(await items.latestBefore('2031-01-02')).toEqual(first);
  });

  it('a digest with a head item missing is not shown', async () => {
    const d = buildDigest('2031-02-01', '2031-02-02T00:05:00.000Z', heads(1500, 'c'), undefined);
    await items.put(d);
    await db.send(
      new DeleteCommand({ TableName: stores.tables.audit, Key: { PK: 'DIGEST', SK: 'DAY#2031-02-01#HEADS#00001' } }),
    );
    expect(await items.between('2031-02-01', '2031-02-01')).toEqual([]);
  });

  it('a digest written before the split (heads in its own item) reads as it was', async () => {
    const d = buildDigest('2031-03-01', '2031-03-02T00:05:00.000Z', heads(3, 'd'), undefined);
    await db.send(
      new PutCommand({ TableName: stores.tables.audit, Item: { PK: 'DIGEST', SK: 'DAY#2031-03-01', ...d } }),
    );
    expect(await items.between('2031-03-01', '2031-03-01')).toEqual([d]);
    expect(await items.latestBefore('2031-03-02')).toEqual(d);
  });
});
