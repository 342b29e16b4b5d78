/**
 * Export jobs in the audit table, written once like verification jobs (the table grants no update
 * or delete): `EXPORT#<id>` holds `JOB`, one `PART#<day>` per part written, then `RESULT`. Kept 400
 * days (TTL `retainUntil`), like the parts' presigned links' source: the manifest is the record.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ExportJob, ExportPart, ExportResult } from '#core/audit/export-job.ts';
import type { ExportJobs } from '#core/audit/ports.ts';
import type { Clock } from '#core/shared/clock.ts';
import { isConditionFailure } from './client.ts';

const KEEP_DAYS = 400;
const pk = (id: string) => `EXPORT#${id}`;

export class DynamoExportJobs implements ExportJobs {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  /** Write-once: a retried step's second put changes nothing. */
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

  create(job: ExportJob) {
    return this.putOnce(job.id, 'JOB', job);
  }

  get(id: string) {
    return this.getOne<ExportJob>(id, 'JOB');
  }

  async putPart(id: string, part: ExportPart) {
    await this.putOnce(id, `PART#${part.day}`, part);
  }

  async parts(id: string) {
    const out: ExportPart[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk AND begins_with(SK, :part)',
          ExpressionAttributeValues: { ':pk': pk(id), ':part': 'PART#' },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => i.value as ExportPart));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }

  async putResult(id: string, result: ExportResult) {
    await this.putOnce(id, 'RESULT', result);
  }

  result(id: string) {
    return this.getOne<ExportResult>(id, 'RESULT');
  }
}
