/**
 * Connected systems live in the ecif table under one partition, `SYSTEMS`/`SYSTEM#<id>`, so listing is
 * one Query. Registrations read in the last `freshForMs` are answered from memory, one by one and as
 * the whole list: a request's plan lists them all, each of its system steps needs its own (25
 * systems, 25 reads saved) and its finalize lists them again (the recipients); a change made
 * elsewhere (another Lambda instance) is seen within that time, one made here at once.
 */
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import type { SystemsRegistry } from '#core/ecif/ports.ts';
import { withoutKeys } from './client.ts';

export class DynamoSystemsRegistry implements SystemsRegistry {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly freshForMs = 0,
  ) {}

  private readonly recent = new Map<string, { system: ConnectedSystem; at: number }>();
  private listed?: { systems: ConnectedSystem[]; at: number };
  /** Moves on at each put: a read that began before a put must not remember what it read over what the put wrote. */
  private generation = 0;

  private remember(system: ConnectedSystem, readAt = this.generation) {
    if (this.freshForMs <= 0 || readAt !== this.generation) return;
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(system.systemId, { system, at: Date.now() });
  }

  async put(system: ConnectedSystem) {
    this.generation++;
    this.listed = undefined;
    await this.db.send(
      new PutCommand({ TableName: this.table, Item: { PK: 'SYSTEMS', SK: `SYSTEM#${system.systemId}`, ...system } }),
    );
    this.generation++;
    this.remember(structuredClone(system));
  }

  async get(systemId: string) {
    const recent = this.recent.get(systemId);
    if (recent && Date.now() - recent.at < this.freshForMs) return structuredClone(recent.system);
    const readAt = this.generation;
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: 'SYSTEMS', SK: `SYSTEM#${systemId}` } }),
    );
    const system = Item ? withoutKeys<ConnectedSystem>(Item) : undefined;
    if (system) this.remember(structuredClone(system), readAt);
    return system;
  }

  async list() {
    if (this.listed && Date.now() - this.listed.at < this.freshForMs) return structuredClone(this.listed.systems);
    const readAt = this.generation;
    const out: ConnectedSystem[] = [];
    let ExclusiveStartKey: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'PK = :pk',
          ExpressionAttributeValues: { ':pk': 'SYSTEMS' },
          ExclusiveStartKey,
        }),
      );
      out.push(...(page.Items ?? []).map((i) => withoutKeys<ConnectedSystem>(i)));
      ExclusiveStartKey = page.LastEvaluatedKey;
    } while (ExclusiveStartKey);
    for (const system of out) this.remember(structuredClone(system), readAt);
    if (this.freshForMs > 0 && readAt === this.generation)
      this.listed = { systems: structuredClone(out), at: Date.now() };
    return out;
  }
}
