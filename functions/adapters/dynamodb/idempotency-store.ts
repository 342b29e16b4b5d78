/**
 * Where the chain keeps Idempotency-Key records: Powertools' DynamoDB persistence layer on the
 * idempotency table (partition key `id`, TTL `expiration`: the layer's own schema). One layer per
 * route: a layer holds its key prefix, so routes served by one process (the local runtime) never
 * share one. One DynamoDB client for all of them.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';

let client: DynamoDBClient | undefined;
const layers = new Map<string, DynamoDBPersistenceLayer>();

export function idempotencyStore(table: string, route: string): DynamoDBPersistenceLayer {
  const key = `${table}\u0000${route}`;
  let layer = layers.get(key);
  if (!layer) {
    client ??= new DynamoDBClient({ maxAttempts: 8 });
    layer = new DynamoDBPersistenceLayer({ tableName: table, awsSdkV3Client: client });
    layers.set(key, layer);
  }
  return layer;
}

/** Forget the client and layers (tests and the local runtime that point the environment elsewhere). */
export function resetIdempotencyStores(): void {
  client = undefined;
  layers.clear();
}
