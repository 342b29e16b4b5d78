/**
 * Conditional updates from one process, group-committed: the first goes at once; whatever arrives
 * while a write is in flight goes next, in one TransactWriteItems (at most 100). A request's 25
 * system steps settle their tasks within a few ms of each other; DynamoDB Local runs calls one at a
 * time, and a transaction of many updates costs it about half what as many calls do. In AWS a Lambda
 * instance runs one step at a time, so each update goes alone, as a plain UpdateItem.
 *
 * Each update succeeds or fails on its own: a batch cancelled by some updates' conditions fails those
 * (ConditionalCheckFailedException, as alone) and writes the others one by one, as does a batch that
 * fails for any other reason, so one bad update never fails the rest.
 */
import { TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type UpdateCommandInput } from '@aws-sdk/lib-dynamodb';
import { failedConditions, isTransactionCancelled } from './client.ts';

/** An update as a transaction item takes it (and UpdateItem alike): no values returned. */
type Update = Omit<UpdateCommandInput, 'ReturnValues' | 'UpdateExpression'> & { UpdateExpression: string };
interface Queued {
  update: Update;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A transaction holds at most 100 writes. */
const MAX_BATCH = 100;

export class GroupCommit {
  private queue: Queued[] | undefined;

  constructor(private readonly db: DynamoDBDocumentClient) {}

  update(update: Update): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.queue) return void this.queue.push({ update, resolve, reject });
      this.queue = [{ update, resolve, reject }];
      void this.drain();
    });
  }

  private async drain() {
    const queue = this.queue!;
    while (queue.length > 0) await this.write(queue.splice(0, MAX_BATCH));
    this.queue = undefined;
  }

  private async write(batch: Queued[]) {
    if (batch.length === 1) return this.alone(batch[0]);
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: batch.map(({ update }) => ({ Update: update })) }));
      batch.forEach((q) => q.resolve());
    } catch (err) {
      const failed = isTransactionCancelled(err) ? new Set(failedConditions(err)) : new Set<number>();
      await Promise.all(
        batch.map((q, i) =>
          failed.has(i) ? q.reject(Object.assign(new Error('The conditional request failed'), { name: 'ConditionalCheckFailedException' })) : this.alone(q),
        ),
      );
    }
  }

  private async alone(q: Queued) {
    try {
      await this.db.send(new UpdateCommand(q.update));
      q.resolve();
    } catch (err) {
      q.reject(err);
    }
  }
}
