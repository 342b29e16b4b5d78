/** One DynamoDB document client per cold start; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

let client: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  client ??= DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), {
    marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
  });
  return client;
}

/** Forget the client (tests and the local runtime that point AWS_ENDPOINT_URL_DYNAMODB elsewhere). */
export function resetDocumentClient(): void {
  client = undefined;
}

/** Builds `SET #a = :a, ...` for the fields present in a patch. */
export function setExpression(patch: Record<string, unknown>) {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  return {
    UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}`,
    ExpressionAttributeNames: Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
    ExpressionAttributeValues: Object.fromEntries(entries.map(([, v], i) => [`:v${i}`, v])),
  };
}

/** Which items of a cancelled transaction failed their condition (by index). */
export function failedConditions(err: unknown): number[] {
  const reasons = (err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? [];
  return reasons.flatMap((r, i) => (r.Code === 'ConditionalCheckFailed' ? [i] : []));
}

export const isConditionFailure = (err: unknown) => (err as Error)?.name === 'ConditionalCheckFailedException';
export const isTransactionCancelled = (err: unknown) => (err as Error)?.name === 'TransactionCanceledException';

/** Drops the key attributes from an item read back. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, ...rest } = item;
  return rest as T;
}
