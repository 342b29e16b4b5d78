/**
 * The audit log on DynamoDB: `STREAM#<stream>`/`SEQ#<zero-padded seq>`. Appends are conditional puts
 * of the next sequence number (never an update or delete), so two writers racing on one stream
 * cannot both win: the loser re-reads the head and chains after it.
 */
import { PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { chainNext, type AuditEvent, type AuditInput } from '#core/audit/event.ts';
import type { AuditLog } from '#core/audit/ports.ts';
import type { Clock } from '#core/shared/clock.ts';
import { isConditionFailure, withoutKeys } from './client.ts';

export const seqKey = (seq: number) => `SEQ#${String(seq).padStart(12, '0')}`;

export class DynamoAuditLog implements AuditLog {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly clock: Clock,
  ) {}

  async append(input: AuditInput): Promise<AuditEvent> {
    for (let attempt = 0; ; attempt++) {
      const { Items } = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `STREAM#${input.stream}` },
          ScanIndexForward: false,
          Limit: 1,
          ConsistentRead: true,
        }),
      );
      const head = Items?.[0] ? withoutKeys<AuditEvent>(Items[0]) : undefined;
      const event = chainNext(head, input, this.clock.now().toISOString());
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { PK: `STREAM#${event.stream}`, SK: seqKey(event.seq), ...event },
            ConditionExpression: 'attribute_not_exists(PK)',
          }),
        );
        return event;
      } catch (err) {
        if (!isConditionFailure(err) || attempt >= 20) throw err;
        await new Promise((r) => setTimeout(r, Math.random() * 20 * (attempt + 1)));
      }
    }
  }

  async stream(stream: string) {
    const out: AuditEvent[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': `STREAM#${stream}` },
          ConsistentRead: true,
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => withoutKeys<AuditEvent>(i)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}
