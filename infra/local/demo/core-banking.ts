/**
 * The demo core-banking system: a DynamoDB table of accounts, one item per account keyed by
 * accountId (the local id the ECIF cross-references). Custodian reaches it with the `dynamodb`
 * connector; nothing else of Custodian's lives in it.
 */
import {
  BatchWriteItemCommand,
  CreateTableCommand,
  DescribeTableCommand,
  ResourceInUseException,
  waitUntilTableExists,
  type DynamoDBClient,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { CoreBankingAccount } from './customers.ts';
import { CORE_BANKING_KEY, CORE_BANKING_TABLE } from './systems.ts';

/** Creates the table (on demand) unless it exists. `created` is false when it was already there (--persist). */
export async function createCoreBankingTable(
  client: DynamoDBClient,
  tableName: string = CORE_BANKING_TABLE,
): Promise<{ tableName: string; created: boolean }> {
  try {
    await client.send(new DescribeTableCommand({ TableName: tableName }));
    return { tableName, created: false };
  } catch (err) {
    if ((err as Error).name !== 'ResourceNotFoundException') throw err;
  }
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        KeySchema: [{ AttributeName: CORE_BANKING_KEY, KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: CORE_BANKING_KEY, AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
  } catch (err) {
    if (!(err instanceof ResourceInUseException)) throw err;
    return { tableName, created: false };
  }
  await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
  return { tableName, created: true };
}

/**
 * Writes the accounts (puts: writing the same records again leaves the same table). BatchWrite in
 * chunks of 25, unprocessed items retried with backoff. Returns how many items were written.
 */
export async function seedCoreBanking(
  client: DynamoDBClient,
  tableName: string,
  records: CoreBankingAccount[],
): Promise<number> {
  for (let i = 0; i < records.length; i += 25) {
    let pending: WriteRequest[] = records
      .slice(i, i + 25)
      .map((r) => ({ PutRequest: { Item: marshall(r, { removeUndefinedValues: true }) } }));
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt > 0) {
        if (attempt > 8) throw new Error(`core-banking seed: ${pending.length} items left unprocessed after retries`);
        await new Promise((r) => setTimeout(r, Math.min(50 * 2 ** attempt, 2_000)));
      }
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [tableName]: pending } }));
      pending = out.UnprocessedItems?.[tableName] ?? [];
    }
  }
  return records.length;
}
