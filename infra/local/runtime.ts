/**
 * The local composition root: the whole system on 127.0.0.1, built from the CDK-synthesized
 * templates (tables, state machine) and the same handler code Lambda runs. The AWS SDK clients of
 * the handlers reach the emulators through the SDK's own endpoint variables, nothing else changes.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { randomUUID } from 'node:crypto';
import { eventHandlers } from '#handlers/events/events.ts';
import { scheduledJobs } from '#handlers/scheduled/jobs.ts';
import { auditVerificationTasks } from '#handlers/tasks/tasks.ts';
import { AUDIT_VERIFICATION_WORKFLOW } from '../constructs/audit-verification.ts';
import { redriveUnfinished } from '#core/requests/redrive.ts';
import { deps, resetDeps } from '#handlers/deps.ts';
import { extractWorkflowDefinition, synthTemplates } from '../synth.ts';
import { createTablesFromTemplate, startDynamoDbLocal, type DynamoDbLocal } from './dynamodb.ts';
import { devSecrets } from './dev-secrets.ts';
import { portOf } from '#core/connectors/webhook-address.ts';
import { freePort } from './process.ts';
import { startLocalS3, type LocalS3 } from './s3.ts';
import { startGateway, type ExtraRoutes, type Gateway } from './gateway.ts';
import {
  startLocalStepFunctions,
  taskHandlersFromTable,
  type ExecutionStatusChangeDetail,
  type LocalStepFunctions,
} from './stepfunctions.ts';
import { jwtVerifier, type TrustedIssuer } from '#handlers/middleware/auth.ts';
import { DEV_AUDIENCE, DEV_ISSUER } from './dev-issuer.ts';
import { inlineItemReaders } from './item-reader.ts';
import { ECIF_LOAD_WORKFLOW } from '../constructs/ecif-load.ts';
import { loadTasks } from '#handlers/tasks/load-tasks.ts';
import { ensureWebBuild } from '../web-build.ts';
import { webPages } from './web-pages.ts';

export const LOCAL_REGION = 'us-east-1';
export const LOCAL_ACCOUNT = '000000000000';
export const REPORT_BUCKET = 'custodian-reports';
export const DIGEST_BUCKET = 'custodian-audit-digests';
export const STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:custodian-privacy-request`;
export const LOAD_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:custodian-ecif-load`;
export const AUDIT_VERIFICATION_STATE_MACHINE_ARN = `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:custodian-audit-verification`;

export interface LocalRuntimeOptions {
  /** The HTTP API port (0: a free port). */
  port?: number;
  dynamoPort?: number;
  sfnPort?: number;
  s3Port?: number;
  /** Keep DynamoDB and S3 data in this directory across restarts; in memory when absent. */
  persist?: string;
  /** Replace every Retry interval of the state machine (tests). */
  retryIntervalMs?: number;
  /** Replace the state machine's own timeout (tests: an execution that times out). */
  workflowTimeoutSeconds?: number;
  extraRoutes?: ExtraRoutes;
  /**
   * Trust this issuer (a Cognito user pool: moto's in the tests) instead of the local dev issuer: the
   * gateway's authorizer and the handlers' own check take its tokens, and only its tokens.
   */
  identity?: TrustedIssuer;
  /** Serve the privacy center and the console (building web/dist when missing or stale). Default true. */
  webPages?: boolean;
  log?: (message: string) => void;
}

export interface LocalRuntime {
  apiUrl: string;
  dynamo: DynamoDbLocal;
  sfn: LocalStepFunctions;
  s3: LocalS3;
  gateway: Gateway;
  tables: Record<string, string>;
  /** The environment the handlers run with (also set on process.env). */
  env: Record<string, string>;
  /** Ids of unfinished requests found at start (--persist) and started again. */
  redriven: string[];
  stop(): Promise<void>;
}

/** A handler of functions/handlers/<dir>/, loaded when first called (after the runtime has set env). */
function handlerOf(dir: string, name: string): (event?: unknown) => Promise<unknown> {
  const file = path.resolve(path.dirname(fileURLToPath(import.meta.url)), `../../functions/handlers/${dir}/${name}.ts`);
  return async (event) =>
    ((await import(pathToFileURL(file).href)) as { handler: (e?: unknown) => Promise<unknown> }).handler(event);
}

/** The EventBridge event AWS sends for an execution status change, around the local endpoint's detail. */
function executionEvent(detail: ExecutionStatusChangeDetail) {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': 'Step Functions Execution Status Change',
    source: 'aws.states',
    account: LOCAL_ACCOUNT,
    time: new Date().toISOString(),
    region: LOCAL_REGION,
    resources: [detail.executionArn],
    detail,
  };
}

/**
 * The scheduled-job table on intervals (EventBridge rules in AWS): each job runs once at start,
 * then every `localEveryMinutes`. A failure is logged by name and the next run tries again.
 */
async function startScheduledJobs(log: (m: string) => void): Promise<{ stop(): void }> {
  const timers: NodeJS.Timeout[] = [];
  const first: Promise<unknown>[] = [];
  for (const [name, spec] of Object.entries(scheduledJobs)) {
    const run = () =>
      import(
        pathToFileURL(
          path.resolve(
            path.dirname(fileURLToPath(import.meta.url)),
            `../../functions/handlers/scheduled/${spec.handler}.ts`,
          ),
        ).href
      )
        .then((m: { handler: () => Promise<unknown> }) => m.handler())
        .catch((err: Error) => log(`scheduled job ${name} failed: ${err.name}`));
    first.push(run());
    const timer = setInterval(run, spec.localEveryMinutes * 60_000);
    timer.unref();
    timers.push(timer);
  }
  // The first runs finish before the runtime is handed out: nothing writes behind a caller's back.
  await Promise.all(first);
  return { stop: () => timers.forEach(clearInterval) };
}

export async function startLocalRuntime(opts: LocalRuntimeOptions = {}): Promise<LocalRuntime> {
  const log = opts.log ?? (() => {});
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => {});
  };
  try {
    const { stateful, stateless } = await synthTemplates();

    const dynamo = await startDynamoDbLocal({
      port: opts.dynamoPort,
      path: opts.persist && path.join(opts.persist, 'dynamodb'),
    });
    stops.push(() => dynamo.stop());
    const tables = await createTablesFromTemplate(dynamo.client, stateful);

    const s3 = await startLocalS3({
      port: opts.s3Port,
      directory: opts.persist && path.join(opts.persist, 's3'),
      buckets: [REPORT_BUCKET, DIGEST_BUCKET],
    });
    stops.push(() => s3.stop());

    const secrets = devSecrets(opts.persist ? path.join(opts.persist, 'dev-secrets.json') : undefined);
    // The keys issued to systems live as long as the registry that names them: beside a persisted
    // store, else in a directory of this run's own, removed at stop.
    const keysDir = opts.persist
      ? path.join(opts.persist, 'connector-keys')
      : mkdtempSync(path.join(tmpdir(), 'custodian-keys-'));
    if (!opts.persist) stops.push(async () => rmSync(keysDir, { recursive: true, force: true }));
    const sfnPort = opts.sfnPort || (await freePort());
    const apiPort = opts.port ?? 3000;
    const env: Record<string, string> = {
      AWS_REGION: LOCAL_REGION,
      // s3rver's built-in dev account; DynamoDB Local (sharedDb) and the Step Functions endpoint take any.
      AWS_ACCESS_KEY_ID: 'S3RVER',
      AWS_SECRET_ACCESS_KEY: 'S3RVER',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_ENDPOINT_URL_SFN: `http://127.0.0.1:${sfnPort}`,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      TABLE_ECIF: tables.ecif,
      TABLE_CONSENT: tables.consent,
      TABLE_REQUESTS: tables.requests,
      TABLE_AUDIT: tables.audit,
      TABLE_IDEMPOTENCY: tables.idempotency,
      REPORT_BUCKET,
      DIGEST_BUCKET,
      STATE_MACHINE_ARN,
      LOAD_STATE_MACHINE_ARN,
      AUDIT_VERIFICATION_STATE_MACHINE_ARN,
      // The audit key: KMS's part played by a P-256 key of the local secrets file.
      AUDIT_SIGNING_KEY: secrets.auditSigningKey,
      IDENTIFIER_PEPPER: process.env.IDENTIFIER_PEPPER ?? secrets.pepper,
      CONNECTOR_SIGNING_SECRET: process.env.CONNECTOR_SIGNING_SECRET ?? secrets.signingSecret,
      CONNECTOR_KEYS_DIR: keysDir,
      // Loopback is called only on the ports of systems started here (allowLocalSystem), or any with `any`.
      CONNECTOR_LOOPBACK: process.env.CONNECTOR_LOOPBACK ?? '',
      JWT_ISSUER: opts.identity?.issuer ?? DEV_ISSUER,
      JWT_AUDIENCE: opts.identity ? (opts.identity.audiences ?? []).join(',') : DEV_AUDIENCE,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      // CloudWatch metric lines have no reader here.
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
      // Requester notices land in the dev mailbox (/dev/mailbox) instead of SES.
      OUTBOX: 'dev-mailbox',
      HOLIDAYS: process.env.HOLIDAYS ?? '',
      // The same abuse limits as in AWS unless the environment says otherwise.
      ANONYMOUS_SUBMISSIONS_PER_HOUR: process.env.ANONYMOUS_SUBMISSIONS_PER_HOUR ?? '20',
      VERIFICATION_TRIES_PER_HOUR: process.env.VERIFICATION_TRIES_PER_HOUR ?? '30',
      // One process: its own gate is exact and free; `SYSTEM_LIMITS=shared npm start` runs the leases of AWS instead.
      SYSTEM_LIMITS: process.env.SYSTEM_LIMITS ?? 'process',
    };

    const { definition } = extractWorkflowDefinition(stateless);
    // The ECIF load's Distributed Map, rewritten to read its batches itself (infra/local/item-reader.ts).
    const load = inlineItemReaders(extractWorkflowDefinition(stateless, ECIF_LOAD_WORKFLOW).definition);
    const audit = extractWorkflowDefinition(stateless, AUDIT_VERIFICATION_WORKFLOW);
    const sfn = await startLocalStepFunctions({
      stateMachines: [
        {
          arn: STATE_MACHINE_ARN,
          definition,
          tasks: taskHandlersFromTable(),
          // What EventBridge's rule does in AWS: an execution that ended badly is reconciled by the same handler.
          onExecutionEnded: (detail) =>
            handlerOf('events', eventHandlers.WorkflowEnded.handler)(executionEvent(detail)),
        },
        {
          arn: LOAD_STATE_MACHINE_ARN,
          definition: load.definition,
          tasks: { ...taskHandlersFromTable(loadTasks), ...load.tasks },
        },
        {
          arn: AUDIT_VERIFICATION_STATE_MACHINE_ARN,
          definition: audit.definition,
          tasks: taskHandlersFromTable(auditVerificationTasks),
        },
      ],
      port: sfnPort,
      retryIntervalMs: opts.retryIntervalMs,
      executionTimeoutSeconds: opts.workflowTimeoutSeconds,
      log,
    });
    stops.push(() => sfn.stop());

    const pages = opts.webPages === false ? undefined : (ensureWebBuild(), webPages());
    const extra = opts.extraRoutes;
    const extraRoutes: ExtraRoutes | undefined = pages
      ? async (req, res) => (await pages(req, res)) || (extra ? extra(req, res) : false)
      : extra;
    const verifyToken = opts.identity && jwtVerifier(opts.identity);
    const gateway = await startGateway({ port: apiPort, extraRoutes, log, verifyToken });
    stops.push(() => gateway.stop());
    // Public routes check optional tokens against the issuer's JWKS (the dev issuer's: the gateway serves it).
    env.JWKS_URL = opts.identity?.jwksUrl ?? `${gateway.url}/.well-known/jwks.json`;
    // Async systems call back here.
    env.CALLBACK_BASE_URL = gateway.url;
    Object.assign(process.env, env);
    resetDeps();
    // Executions in flight when a persisted runtime stopped are gone: their requests start again.
    const redriven = await redriveUnfinished(await deps());
    const jobs = await startScheduledJobs(log);
    stops.push(async () => jobs.stop());

    return { apiUrl: gateway.url, dynamo, sfn, s3, gateway, tables, env, redriven, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Lets the runtime call a system this process started on a loopback port (its URL's port joins
 * CONNECTOR_LOOPBACK); a deployment calls no loopback address at all.
 */
export function allowLocalSystem(url: string): void {
  const current = process.env.CONNECTOR_LOOPBACK ?? '';
  if (current.trim() === 'any') return;
  const ports = new Set(
    current
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean),
  );
  ports.add(String(portOf(new URL(url))));
  process.env.CONNECTOR_LOOPBACK = [...ports].join(',');
}
