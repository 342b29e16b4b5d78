/**
 * Group-committed conditional updates, against DynamoDB Local: many at once cost one call alone and
 * one transaction, and each update still succeeds or fails on its own condition, as it would alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { conditionalUpdates } from '#adapters/dynamodb/group-commit.ts';
import { newId } from '#core/shared/ids.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const table = () => stores.tables.requests;
const key = (pk: string, i: number) => ({ PK: `GC#${pk}`, SK: `ITEM#${i}` });

async function seed(pk: string, n: number) {
  await Promise.all(
    Array.from({ length: n }, (_, i) =>
      documentClient().send(new PutCommand({ TableName: table(), Item: { ...key(pk, i), state: 'running' } })),
    ),
  );
}
const move = (pk: string, i: number, from = 'running') => ({
  TableName: table(),
  Key: key(pk, i),
  UpdateExpression: 'SET #s = :to',
  ConditionExpression: '#s = :from',
  ExpressionAttributeNames: { '#s': 'state' },
  ExpressionAttributeValues: { ':to': 'succeeded', ':from': from },
});
const stateOf = async (pk: string, i: number) =>
  (await documentClient().send(new GetCommand({ TableName: table(), Key: key(pk, i), ConsistentRead: true }))).Item
    ?.state;

/** Runs `f` counting the commands it sends. */
async function counting<T>(f: () => Promise<T>): Promise<{ result: T; sent: string[] }> {
  const sent: string[] = [];
  const db = documentClient();
  db.middlewareStack.add(
    (next: any, context: any) => async (args: any) => (sent.push(context.commandName), next(args)),
    { step: 'initialize', name: 'groupCommitCounter' },
  );
  try {
    return { result: await f(), sent };
  } finally {
    db.middlewareStack.remove('groupCommitCounter');
  }
}

describe('group commit', () => {
  it('25 updates at once: the first alone, the other 24 in one transaction, all applied', async () => {
    const pk = newId();
    await seed(pk, 25);
    const commit = conditionalUpdates(documentClient());
    const { sent } = await counting(() =>
      Promise.all(Array.from({ length: 25 }, (_, i) => commit.add(table(), move(pk, i)))),
    );
    expect(sent).toEqual(['UpdateItemCommand', 'TransactWriteItemsCommand']);
    expect(await Promise.all(Array.from({ length: 25 }, (_, i) => stateOf(pk, i)))).toEqual(
      Array(25).fill('succeeded'),
    );
  });

  it('one update whose condition fails in a batch fails alone, as a failed condition; the others are applied', async () => {
    const pk = newId();
    await seed(pk, 6);
    const commit = conditionalUpdates(documentClient());
    const results = await Promise.allSettled(
      Array.from({ length: 6 }, (_, i) => commit.add(table(), move(pk, i, i === 3 ? 'pending' : 'running'))),
    );
    expect(results.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    expect((results[3] as PromiseRejectedResult).reason).toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await Promise.all(Array.from({ length: 6 }, (_, i) => stateOf(pk, i)))).toEqual([
      'succeeded',
      'succeeded',
      'succeeded',
      'running',
      'succeeded',
      'succeeded',
    ]);
  });

  it('two updates of one item in a batch (a transaction refuses that): each is tried alone, and only one wins its condition', async () => {
    const pk = newId();
    await seed(pk, 2);
    const commit = conditionalUpdates(documentClient());
    const results = await Promise.allSettled([
      commit.add(table(), move(pk, 0)),
      commit.add(table(), move(pk, 1)),
      commit.add(table(), move(pk, 1)),
    ]);
    expect(results[0].status).toBe('fulfilled');
    expect(
      results
        .slice(1)
        .map((r) => r.status)
        .sort(),
    ).toEqual(['fulfilled', 'rejected']);
    expect([await stateOf(pk, 0), await stateOf(pk, 1)]).toEqual(['succeeded', 'succeeded']);
  });

  it('an update the service refuses for another reason fails alone', async () => {
    const pk = newId();
    await seed(pk, 4);
    const commit = conditionalUpdates(documentClient());
    const bad = { ...move(pk, 2), UpdateExpression: 'SET #s = :missing' };
    const results = await Promise.allSettled([0, 1, 2, 3].map((i) => commit.add(table(), i === 2 ? bad : move(pk, i))));
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect((results[2] as PromiseRejectedResult).reason).toMatchObject({ name: 'ValidationException' });
    expect(await Promise.all([0, 1, 2, 3].map((i) => stateOf(pk, i)))).toEqual([
      'succeeded',
      'succeeded',
      'running',
      'succeeded',
    ]);
  });
});
