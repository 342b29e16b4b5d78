/**
 * DynamoDB Local with the tables of the CDK-synthesized stateful template, and the handlers'
 * composition root pointed at it: integration tests use the real adapters, never a second copy
 * of the table definitions.
 */
import { synthTemplates } from '#infra/synth.ts';
import { createTablesFromTemplate, startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb.ts';
import { deps, resetDeps, type Deps } from '#handlers/deps.ts';

export interface LocalStores {
  dynamo: DynamoDbLocal;
  tables: Record<string, string>;
  deps: Deps;
  stop(): Promise<void>;
}

export async function startLocalStores(): Promise<LocalStores> {
  const { stateful } = await synthTemplates();
  const dynamo = await startDynamoDbLocal();
  const tables = await createTablesFromTemplate(dynamo.client, stateful);
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    TABLE_ECIF: tables.ecif,
    TABLE_CONSENT: tables.consent,
    TABLE_REQUESTS: tables.requests,
    TABLE_AUDIT: tables.audit,
    TABLE_IDEMPOTENCY: tables.idempotency,
    IDENTIFIER_PEPPER: 'integration-test-pepper-0123456789',
  });
  resetDeps();
  return { dynamo, tables, deps: await deps(), stop: () => dynamo.stop() };
}
