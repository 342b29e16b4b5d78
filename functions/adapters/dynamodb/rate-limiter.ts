/**
 * Fixed-window counters in the requests table: `RATE#<key>` / `<window start>`, one atomic ADD per
 * hit, gone by TTL (`expiresAt`) a minute after the window ends.
 */
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RateLimiter } from '#core/requests/abuse-limits.ts';

export class DynamoRateLimiter implements RateLimiter {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async hit(key: string, windowSeconds: number, now: Date) {
    const start = Math.floor(now.getTime() / 1000 / windowSeconds) * windowSeconds;
    const end = start + windowSeconds;
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `RATE#${key}`, SK: String(start) },
        UpdateExpression: 'ADD hits :one SET expiresAt = :ttl',
        ExpressionAttributeValues: { ':one': 1, ':ttl': end + 60 },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return { count: Number(Attributes?.hits ?? 1), resetsAt: new Date(end * 1000) };
  }
}
