/** Connected systems live in the ecif table under one partition, `SYSTEMS`/`SYSTEM#<id>`, so listing is one Query. */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import type { SystemsRegistry } from '#core/ecif/ports.ts';
import { withoutKeys } from './client.ts';

export class DynamoSystemsRegistry implements SystemsRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async put(system: ConnectedSystem) {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { PK: 'SYSTEMS', SK: `SYSTEM#${system.systemId}`, ...system } }));
  }

  async get(systemId: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: { PK: 'SYSTEMS', SK: `SYSTEM#${systemId}` } }));
    return Item ? withoutKeys<ConnectedSystem>(Item) : undefined;
  }

  async list() {
    const out: ConnectedSystem[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({ TableName: this.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': 'SYSTEMS' }, ExclusiveStartKey }),
      );
      out.push(...(page.Items ?? []).map((i) => withoutKeys<ConnectedSystem>(i)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    return out;
  }
}
