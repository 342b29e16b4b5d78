/**
 * The DynamoDB share of a bench figure: count the calls the handlers make (they share this process
 * and the composition root's client), then time as many raw GetItem/PutItem calls on the same
 * DynamoDB Local, `width` in flight at a time (1: one after another).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '#adapters/dynamodb/client.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';

/** Starts counting the handlers' DynamoDB calls; the returned function reads the count so far. */
export function countHandlerCalls(): () => number {
  let calls = 0;
  documentClient().middlewareStack.add(
    (next) => async (args) => {
      calls++;
      return next(args);
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return () => calls;
}

/** ms for `n` raw calls, alternately PutItem and consistent GetItem, `width` at a time. */
export async function rawCalls(runtime: LocalRuntime, n: number, width = 1): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let i = next++; i < n; i = next++) {
        const Key = { PK: { S: `BENCH#${i % 10}` }, SK: { S: 'BENCH' } };
        if (i % 2 === 0)
          await runtime.dynamo.client.send(
            new PutItemCommand({ TableName: runtime.tables.requests, Item: { ...Key, n: { N: String(i) } } }),
          );
        else
          await runtime.dynamo.client.send(
            new GetItemCommand({ TableName: runtime.tables.requests, Key, ConsistentRead: true }),
          );
      }
    }),
  );
  return performance.now() - started;
}
