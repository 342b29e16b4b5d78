/** One DynamoDB document client per cold start; the endpoint comes from AWS_ENDPOINT_URL_DYNAMODB locally. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, DynamoDBDocumentClient, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import type { InitializeMiddleware, MetadataBearer } from '@smithy/types';

let client: DynamoDBDocumentClient | undefined;

export function documentClient(): DynamoDBDocumentClient {
  if (!client) {
    client = DynamoDBDocumentClient.from(new DynamoDBClient({ maxAttempts: 8 }), {
      marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: true },
    });
    client.middlewareStack.add(retryTransactionConflicts, { step: 'initialize', name: 'retryTransactionConflicts' });
  }
  return client;
}

/** True when a transaction was cancelled only because another one touched the same items. */
export function isConflictOnly(err: unknown): boolean {
  if (!isTransactionCancelled(err)) return false;
  const codes = ((err as { CancellationReasons?: { Code?: string }[] }).CancellationReasons ?? []).map(
    (r) => r.Code ?? 'None',
  );
  return codes.includes('TransactionConflict') && codes.every((c) => c === 'None' || c === 'TransactionConflict');
}

/**
 * The SDK does not retry a transaction cancelled by a conflicting one (TransactionConflict):
 * nothing was written, so running it again is safe, with jittered backoff. Conditions that failed
 * are the adapter's business and pass through.
 */
const retryTransactionConflicts: InitializeMiddleware<object, MetadataBearer> = (next) => async (args) => {
  for (let attempt = 1; ; attempt++) {
    try {
      return await next(args);
    } catch (err) {
      if (!isConflictOnly(err) || attempt >= 6) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 25 * 2 ** attempt));
    }
  }
};

/** Forget the client (tests and the local runtime that point AWS_ENDPOINT_URL_DYNAMODB elsewhere). */
export function resetDocumentClient(): void {
  client = undefined;
}

/** Builds `SET #a = :a, ...` for the fields present in a patch. */
/** `SET` every defined member of the patch; `REMOVE` the attributes named in `remove`. */
export function setExpression(patch: Record<string, unknown>, remove: readonly string[] = []) {
  const entries = Object.entries(patch).filter(([, v]) => v !== undefined);
  const removeClause = remove.length ? ` REMOVE ${remove.map((_, i) => `#r${i}`).join(', ')}` : '';
  return {
    UpdateExpression: `SET ${entries.map((_, i) => `#f${i} = :v${i}`).join(', ')}${removeClause}`,
    ExpressionAttributeNames: {
      ...Object.fromEntries(entries.map(([k], i) => [`#f${i}`, k])),
      ...Object.fromEntries(remove.map((k, i) => [`#r${i}`, k])),
    },
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

/** An item without its table and index keys (PK/SK, GSI1, GSI2) or its TTL: what the port hands the core. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  const { PK: _pk, SK: _sk, GSI1PK: _g1, GSI1SK: _g2, GSI2PK: _h1, GSI2SK: _h2, retainUntil: _ttl, ...rest } = item;
  return rest as T;
}

/**
 * The items of these keys in one table, in as few BatchGetItem calls as it takes (100 keys each);
 * what DynamoDB leaves unprocessed is asked again, backing off. Missing keys are simply absent.
 */
export async function batchGet(
  db: DynamoDBDocumentClient,
  table: string,
  keys: Record<string, unknown>[],
  opts: { consistentRead?: boolean; projection?: string; names?: Record<string, string> } = {},
): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (let i = 0; i < keys.length; i += 100) {
    let pending: Record<string, unknown>[] | undefined = keys.slice(i, i + 100);
    for (let attempt = 0; pending?.length; attempt++) {
      if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 20 * 2 ** attempt)));
      const res: BatchGetCommandOutput = await db.send(
        new BatchGetCommand({
          RequestItems: {
            [table]: {
              Keys: pending,
              ...(opts.consistentRead ? { ConsistentRead: true } : {}),
              ...(opts.projection ? { ProjectionExpression: opts.projection } : {}),
              ...(opts.names ? { ExpressionAttributeNames: opts.names } : {}),
            },
          },
        }),
      );
      out.push(...(res.Responses?.[table] ?? []));
      pending = res.UnprocessedKeys?.[table]?.Keys;
    }
  }
  return out;
}
