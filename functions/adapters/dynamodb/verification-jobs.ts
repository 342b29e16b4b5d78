/**
 * Verification jobs in the audit table, beside the log and written like it: conditional puts only
 * (the audit table grants no update or delete). `VERIFICATION#<id>` holds `JOB`, one `DAY#<day>`
 * per day checked, then `RESULT`. Kept 400 days (TTL `retainUntil`): the log and its digests are
 * the record; a job's result can be asked for again.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { VerificationJobs } from '#core/audit/ports.ts';
import type { VerificationJob, VerificationResult } from '#core/audit/verification-job.ts';
import type { DayVerification } from '#core/audit/verify-day.ts';
import type { Clock } from '#core/shared/clock.ts';
import { isConditionFailure } from './client.ts';

const KEEP_DAYS = 400;
const pk = (id: string) => `VERIFICATION#${id}`;

export class DynamoVerificationJobs implements VerificationJobs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  /** Write-once: a second put of the same key changes nothing (a retried step). */
  private async putOnce(id: string, sk: string, value: object): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: {
            PK: pk(id),
            SK: sk,
            value,
            retainUntil: Math.floor(this.clock.now().getTime() / 1000) + KEEP_DAYS * 86_400,
          },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  private async getOne<T>(id: string, sk: string): Promise<T | undefined> {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: pk(id), SK: sk }, ConsistentRead: true }),
    );
    return Item?.value as T | undefined;
  }

  create(job: VerificationJob) {
    return this.putOnce(job.id, 'JOB', job);
  }

  get(id: string) {
    return this.getOne<VerificationJob>(id, 'JOB');
  }

  async putDay(id: string, day: DayVerification) {
    await this.putOnce(id, `DAY#${day.day}`, day);
  }

  async days(id: string) {
    const out: DayVerification[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :day)',
          ExpressionAttributeValues: { ':pk': pk(id), ':day': 'DAY#' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => i.value as DayVerification));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async putResult(id: string, result: VerificationResult) {
    await this.putOnce(id, 'RESULT', result);
  }

  result(id: string) {
    return this.getOne<VerificationResult>(id, 'RESULT');
  }
}
