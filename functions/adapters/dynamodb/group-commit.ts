/**
 * Group commit, for writes from one process: the first write of a key goes at once; whatever arrives
 * for that key while a write is in flight goes next, together (at most 100: a transaction's limit).
 * A request's 25 system steps settle within a few ms of each other, and DynamoDB Local runs calls one
 * at a time: one transaction of many writes costs it about half what as many calls do. In AWS a
 * Lambda instance runs one step at a time, so each write goes alone. Used by the audit log (appends
 * to one stream, chained) and the request store (task moves).
 */
import {
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import { failedConditions, isTransactionCancelled } from './client.ts';

interface Waiting<I, O> {
  input: I;
  resolve: (output: O) => void;
  reject: (err: unknown) => void;
}

/** A transaction holds at most 100 writes. */
const MAX_BATCH = 100;

export class GroupCommit<I, O = void> {
  private readonly queues = new Map<string, Waiting<I, O>[]>();

  /** `write` writes a batch and says, input by input, how each went. */
  constructor(private readonly write: (inputs: I[]) => Promise<PromiseSettledResult<O>[]>) {}

  add(key: string, input: I): Promise<O> {
    return new Promise((resolve, reject) => {
      const queue = this.queues.get(key);
      if (queue) return void queue.push({ input, resolve, reject });
      this.queues.set(key, [{ input, resolve, reject }]);
      void this.drain(key);
    });
  }

  private async drain(key: string) {
    const queue = this.queues.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, MAX_BATCH);
      const settled = await this.write(batch.map((w) => w.input)).catch((reason) =>
        batch.map((): PromiseSettledResult<O> => ({ status: 'rejected', reason })),
      );
      // Done before the callers hear: what they write next goes at once, not behind this batch.
      if (queue.length === 0) this.queues.delete(key);
      batch.forEach((w, i) => {
        const s = settled[i];
        if (s.status === 'fulfilled') w.resolve(s.value);
        else w.reject(s.reason);
      });
    }
  }
}

/** An update as a transaction item takes it (and UpdateItem alike): no values returned. */
export type Update = Omit<UpdateCommandInput, 'ReturnValues' | 'UpdateExpression'> & { UpdateExpression: string };

/**
 * Conditional updates, group-committed: each succeeds or fails on its own. A batch cancelled by some
 * updates' conditions fails those (ConditionalCheckFailedException, as alone) and writes the others
 * one by one, as does a batch that fails for any other reason, so one bad update never fails the rest.
 */
export function conditionalUpdates(db: DynamoDBDocumentClient): GroupCommit<Update> {
  const alone = (update: Update) => db.send(new UpdateCommand(update)).then(() => undefined);
  return new GroupCommit<Update>(async (updates) => {
    if (updates.length === 1) return Promise.allSettled([alone(updates[0])]);
    try {
      await db.send(new TransactWriteCommand({ TransactItems: updates.map((u) => ({ Update: u })) }));
      return updates.map(() => ({ status: 'fulfilled', value: undefined }));
    } catch (err) {
      const failed = isTransactionCancelled(err) ? new Set(failedConditions(err)) : new Set<number>();
      return Promise.allSettled(
        updates.map((u, i) =>
          failed.has(i)
            ? Promise.reject(
                Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' }),
              )
            : alone(u),
        ),
      );
    }
  });
}
