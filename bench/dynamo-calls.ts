/**
 * The DynamoDB share of a bench figure: count the calls the handlers make (they share this process
 * and the composition root's client), then time as many raw GetItem/PutItem calls on the same
 * DynamoDB Local, `width` in flight at a time (1: one after another).
 */
import { GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { documentClient } from '#adapters/dynamodb/client.ts';
import type { LocalRuntime } from '#infra/local/runtime.ts';

/** The handlers' DynamoDB use so far: calls, and the request units DynamoDB reported for them. */
export interface DynamoUse {
  calls: number;
  readUnits: number;
  writeUnits: number;
}

const WRITES = /^(Put|Update|Delete|BatchWrite|TransactWrite)/;
type Consumed = { CapacityUnits?: number; ReadCapacityUnits?: number; WriteCapacityUnits?: number };

/**
 * Starts counting the handlers' DynamoDB calls, each asked to return its consumed capacity (DynamoDB
 * Local computes it as DynamoDB does, from item sizes); the returned function reads the use so far.
 */
export function countHandlerCalls(): () => DynamoUse {
  const use: DynamoUse = { calls: 0, readUnits: 0, writeUnits: 0 };
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      use.calls++;
      const input = args.input as { ReturnConsumedCapacity?: string };
      input.ReturnConsumedCapacity ??= 'TOTAL';
      const out = await next(args);
      const consumed = (out.output as { ConsumedCapacity?: Consumed | Consumed[] }).ConsumedCapacity;
      for (const c of [consumed ?? []].flat()) {
        const units = c.CapacityUnits ?? (c.ReadCapacityUnits ?? 0) + (c.WriteCapacityUnits ?? 0);
        if (WRITES.test(String(context.commandName))) use.writeUnits += units;
        else use.readUnits += units;
      }
      return out;
    },
    { step: 'initialize', name: 'benchCallCounter' },
  );
  return () => ({ ...use });
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
