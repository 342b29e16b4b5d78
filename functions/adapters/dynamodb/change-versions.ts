/** The change feed's last applied event per ecifId, beside the golden record (`CUST#<ecifId>` / `FEED`). */
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ChangeVersions } from '#core/ecif/change-feed.ts';

export class DynamoChangeVersions implements ChangeVersions {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async last(ecifId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: `CUST#${ecifId}`, SK: 'FEED' }, ConsistentRead: true }),
    );
    return Item ? { version: Item.version as number, eventId: Item.eventId as string } : undefined;
  }

  async record(ecifId: string, version: number, eventId: string, at: string) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: `CUST#${ecifId}`, SK: 'FEED', version, eventId, at },
          ConditionExpression: 'attribute_not_exists(PK) OR version < :v',
          ExpressionAttributeValues: { ':v': version },
        }),
      );
      return true;
    } catch (err) {
      if ((err as Error).name === 'ConditionalCheckFailedException') return false;
      throw err;
    }
  }
}
