/**
 * Load jobs in the ECIF table: `LOAD#<id>`/`JOB` (status, counts) and `LOAD#<id>`/`BATCH#<first line>`
 * (one batch's counts and rejects). A batch is recorded with its counts added to the job in one
 * transaction conditioned on the batch item being new: a batch run twice counts once.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { BatchOutcome, LoadReject } from '#core/ecif/bulk-load.ts';
import type { LoadJob, LoadJobs } from '#core/ecif/load-ports.ts';
import { failedConditions, isTransactionCancelled, setExpression, withoutKeys } from './client.ts';

const jobKey = (id: string) => ({ PK: `LOAD#${id}`, SK: 'JOB' });
const countNames = ['read', 'created', 'updated', 'unchanged', 'rejected'] as const;

export class DynamoLoadJobs implements LoadJobs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(job: LoadJob) {
    const { counts, ...rest } = job;
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...jobKey(job.id), ...rest, ...counts },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(id: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: jobKey(id), ConsistentRead: true }),
    );
    if (!Item) return undefined;
    const item = withoutKeys<Record<string, unknown>>(Item);
    const counts = Object.fromEntries(countNames.map((n) => [n, Number(item[n] ?? 0)])) as unknown as LoadJob['counts'];
    for (const n of countNames) delete item[n];
    return { ...(item as unknown as LoadJob), counts };
  }

  async update(id: string, patch: Partial<Omit<LoadJob, 'id' | 'counts'>>) {
    await this.db.send(
      new UpdateCommand({ TableName: this.table, Key: jobKey(id), ...setExpression(patch as Record<string, unknown>) }),
    );
  }

  async recordBatch(id: string, batch: string, outcome: BatchOutcome) {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: {
                  PK: `LOAD#${id}`,
                  SK: `BATCH#${batch}`,
                  ...Object.fromEntries(countNames.map((n) => [n, outcome[n]])),
                  rejects: outcome.rejects,
                },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            {
              Update: {
                TableName: this.table,
                Key: jobKey(id),
                UpdateExpression: `ADD ${countNames.map((n) => `#${n} :${n}`).join(', ')}, #batches :one`,
                ExpressionAttributeNames: {
                  ...Object.fromEntries(countNames.map((n) => [`#${n}`, n])),
                  '#batches': 'batches',
                },
                ExpressionAttributeValues: {
                  ...Object.fromEntries(countNames.map((n) => [`:${n}`, outcome[n]])),
                  ':one': 1,
                },
              },
            },
          ],
        }),
      );
      return true;
    } catch (err) {
      if (isTransactionCancelled(err) && failedConditions(err).includes(0)) return false;
      throw err;
    }
  }

  async *rejects(id: string): AsyncIterable<LoadReject[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :b)',
          ExpressionAttributeValues: { ':pk': `LOAD#${id}`, ':b': 'BATCH#' },
          ProjectionExpression: 'rejects',
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        const rejects = item.rejects as LoadReject[] | undefined;
        if (rejects?.length) yield rejects;
      }
      start = page.LastEvaluatedKey;
    } while (start);
  }
}
