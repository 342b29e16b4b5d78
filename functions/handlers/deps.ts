/**
 * The composition root of the handlers: the core's ports bound to their AWS adapters, built once
 * per cold start. Tests build the same ports against DynamoDB Local by setting the environment.
 * The adapters of S3, SES, Step Functions and Secrets Manager are loaded on first use: a function
 * that never sends mail (the decision route, say) never evaluates the SES client at cold start.
 */
import { createHmac } from 'node:crypto';
import { devMailbox } from '#adapters/outbox/dev-mailbox.ts';
import type { Outbox } from '#core/notifications/outbox.ts';
import { holidaysFrom } from '#core/requests/deadlines.ts';
import { ed25519Signer } from '#core/consent/decision-token.ts';
import type { ReportStore } from '#core/reports/ports.ts';
import type { AuditSigner, DigestArchive, ExportFiles, ExportRunner, VerificationRunner } from '#core/audit/ports.ts';
import { DynamoVerificationJobs } from '#adapters/dynamodb/verification-jobs.ts';
import { DynamoExportJobs } from '#adapters/dynamodb/export-jobs.ts';
import type { ConsentChangePublisher } from '#core/consent/changes.ts';
import { WebhookConsentChanges } from '#adapters/webhooks/consent-subscribers.ts';
import { config, resetConfig } from '#functions/config.ts';
import { callbackKeysOf, connectorFor } from '#adapters/connectors/registry.ts';
import { SystemSecrets } from '#adapters/connectors/system-secrets.ts';
import { LocalKeyFiles } from '#adapters/connectors/local-key-files.ts';
import type { SystemKeyVault } from '#core/connectors/ports.ts';
import { WebhookAddressGuard } from '#adapters/connectors/webhook-addresses.ts';
import { loopbackAllowance } from '#core/connectors/webhook-address.ts';
import { limitConcurrency, processCallGate } from '#adapters/connectors/concurrency.ts';
import { SharedCallGate } from '#core/connectors/call-slots.ts';
import { DynamoCallSlots } from '#adapters/dynamodb/call-slots.ts';
import { documentClient, resetDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { DynamoConsentLedger } from '#adapters/dynamodb/consent-ledger.ts';
import { DynamoEcifRegistry } from '#adapters/dynamodb/ecif-registry.ts';
import { DynamoLoadJobs } from '#adapters/dynamodb/load-jobs.ts';
import type { LoadFiles, LoadWorkflow } from '#core/ecif/load-ports.ts';
import { DynamoRequestFigures } from '#adapters/dynamodb/request-figures.ts';
import { DynamoRequestStore } from '#adapters/dynamodb/request-store.ts';
import { DynamoFollowUpStore } from '#adapters/dynamodb/follow-ups.ts';
import { idempotencyStore, resetIdempotencyStores } from '#adapters/dynamodb/idempotency-store.ts';
import { DynamoLegalHolds } from '#adapters/dynamodb/legal-holds.ts';
import { DynamoRateLimiter } from '#adapters/dynamodb/rate-limiter.ts';
import { DynamoSystemsRegistry } from '#adapters/dynamodb/systems-registry.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { systemIdSchema } from '#core/ecif/customer.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import type { RequestWorkflow } from '#core/requests/ports.ts';
import { systemClock } from '#core/shared/clock.ts';
import { ConfigurationError } from '#core/shared/errors.ts';
import { pageCursors } from '#core/shared/page-cursor.ts';
import { captureClient, tracedConnector } from './middleware/tracing.ts';

/** A port whose adapter module loads on its first call (every port method is async). */
function lazyPort<T extends object>(load: () => Promise<T>): T {
  let loaded: Promise<T> | undefined;
  return new Proxy({} as T, {
    // Not a thenable: `await port` must not call into the adapter.
    get: (_, name) =>
      name === 'then'
        ? undefined
        : async (...args: unknown[]) => {
            const port = await (loaded ??= load().catch((err) => {
              loaded = undefined;
              throw err;
            }));
            return (port as Record<string | symbol, (...a: unknown[]) => unknown>)[name](...args);
          },
  });
}

// Every SDK client is captured by the tracer: its calls are X-Ray subsegments in AWS (a no-op locally).
const secretsManager = async () =>
  captureClient(new (await import('@aws-sdk/client-secrets-manager')).SecretsManagerClient({}));
const secretValue = async (arn: string) =>
  (await import('#adapters/secrets.ts')).secretValue(arn, await secretsManager());

// Path-style addressing where an S3 endpoint is set (s3rver, moto).
const s3 = async () =>
  captureClient(
    new (await import('@aws-sdk/client-s3')).S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) }),
  );

async function build() {
  const env = config();
  const pepper = env.IDENTIFIER_PEPPER_SECRET_ARN
    ? await secretValue(env.IDENTIFIER_PEPPER_SECRET_ARN)
    : env.IDENTIFIER_PEPPER;
  if (!pepper) throw new ConfigurationError('IDENTIFIER_PEPPER or IDENTIFIER_PEPPER_SECRET_ARN');
  const db = captureClient(documentClient());
  const clock = systemClock;
  // Every paged route's cursor is sealed with a key derived from the pepper (core/shared/page-cursor.ts).
  const cursors = pageCursors(createHmac('sha256', pepper).update('custodian/page-cursor').digest('hex'));
  const signingSecret = env.CONNECTOR_SIGNING_SECRET_ARN
    ? await secretValue(env.CONNECTOR_SIGNING_SECRET_ARN)
    : env.CONNECTOR_SIGNING_SECRET;
  const keyFiles = env.CONNECTOR_KEYS_DIR ? new LocalKeyFiles(env.CONNECTOR_KEYS_DIR) : undefined;
  // Where webhooks may lead: public addresses; loopback ports only as CONNECTOR_LOOPBACK says (read at
  // each check: the local runtime adds the ports of the systems it starts as it starts them).
  const addresses = new WebhookAddressGuard(() => loopbackAllowance(process.env.CONNECTOR_LOOPBACK));
  const ownTables = [env.TABLE_ECIF, env.TABLE_CONSENT, env.TABLE_REQUESTS, env.TABLE_AUDIT];
  // Never the pepper itself in a connected system's hands: the `hash` strategy gets a key derived from it.
  const secrets = {
    signingSecret,
    hashKey: createHmac('sha256', pepper).update('custodian/field-strategy/hash').digest('hex'),
    // Systems' own secrets: the environment, the local key files, else Secrets Manager under the deployment's prefix (read on first use).
    systemSecrets: new SystemSecrets({
      prefix: env.CONNECTOR_SECRETS_PREFIX,
      client: lazyPort(secretsManager),
      ...(keyFiles ? { files: keyFiles } : {}),
    }),
    addresses,
    ownTables,
  };
  // Where the keys issued to systems at registration are written: the local key files, else Secrets Manager.
  const keyVault: SystemKeyVault | undefined =
    keyFiles ??
    (env.CONNECTOR_SECRETS_PREFIX
      ? lazyPort(async () => {
          const [{ SecretsManagerKeyVault }, { SecretsManagerClient }] = await Promise.all([
            import('#adapters/connectors/secrets-manager-keys.ts'),
            import('@aws-sdk/client-secrets-manager'),
          ]);
          return new SecretsManagerKeyVault(captureClient(new SecretsManagerClient({})), env.CONNECTOR_SECRETS_PREFIX!);
        })
      : undefined);
  const outbox: Outbox =
    env.OUTBOX === 'dev-mailbox'
      ? devMailbox
      : lazyPort(async () => {
          if (!env.SES_FROM) throw new ConfigurationError('SES_FROM');
          const [{ SesOutbox }, { SESv2Client }] = await Promise.all([
            import('#adapters/outbox/ses-outbox.ts'),
            import('@aws-sdk/client-sesv2'),
          ]);
          return new SesOutbox(captureClient(new SESv2Client({})), env.SES_FROM);
        });
  const workflow: RequestWorkflow = lazyPort(async () => {
    const [{ StepFunctionsRequestWorkflow }, { SFNClient }] = await Promise.all([
      import('#adapters/sfn/request-workflow.ts'),
      import('@aws-sdk/client-sfn'),
    ]);
    // Answering a waiting step needs only its token; starting one needs the state machine.
    return new StepFunctionsRequestWorkflow(captureClient(new SFNClient({})), env.STATE_MACHINE_ARN);
  });
  const loadFiles: LoadFiles = lazyPort(async () => {
    if (!env.REPORT_BUCKET) throw new Error('invalid configuration: REPORT_BUCKET');
    return new (await import('#adapters/s3/load-files.ts')).S3LoadFiles(await s3(), env.REPORT_BUCKET);
  });
  const loadWorkflow: LoadWorkflow = lazyPort(async () => {
    const [{ StepFunctionsLoadWorkflow }, { SFNClient }] = await Promise.all([
      import('#adapters/sfn/load-workflow.ts'),
      import('@aws-sdk/client-sfn'),
    ]);
    return new StepFunctionsLoadWorkflow(new SFNClient({}), env.LOAD_STATE_MACHINE_ARN);
  });
  const reports: ReportStore = lazyPort(async () => {
    if (!env.REPORT_BUCKET) throw new ConfigurationError('REPORT_BUCKET');
    return new (await import('#adapters/s3/report-store.ts')).S3ReportStore(await s3(), env.REPORT_BUCKET);
  });
  // consent.changed: EventBridge in AWS, signed webhooks locally. A failure to publish is logged, never
  // undoes the capture (the ledger is the record; subscribers can re-read it).
  const publisher: ConsentChangePublisher | undefined = env.CONSENT_EVENT_BUS
    ? lazyPort(async () => {
        const [{ EventBridgeConsentChanges }, { EventBridgeClient }] = await Promise.all([
          import('#adapters/eventbridge/consent-changes.ts'),
          import('@aws-sdk/client-eventbridge'),
        ]);
        return new EventBridgeConsentChanges(captureClient(new EventBridgeClient({})), env.CONSENT_EVENT_BUS!);
      })
    : signingSecret
      ? new WebhookConsentChanges(signingSecret)
      : undefined;
  const changes: ConsentChangePublisher | undefined = publisher && {
    publish: (change) =>
      // The logger is imported on use: it takes LOG_LEVEL when it is first loaded.
      publisher.publish(change).catch(async (err: Error) =>
        (await import('./middleware/logging.ts')).logger.warn({
          message: 'consent.changed not delivered',
          error: err.name,
          detail: err.message.slice(0, 120),
        }),
      ),
  };
  const digestArchive: DigestArchive | undefined = env.DIGEST_BUCKET
    ? lazyPort(
        async () =>
          new (await import('#adapters/s3/digest-archive.ts')).S3DigestArchive(await s3(), env.DIGEST_BUCKET!),
      )
    : undefined;
  // Verification jobs run on their own state machine; the audit key signs digests and results.
  const verificationRunner: VerificationRunner = lazyPort(async () => {
    if (!env.AUDIT_VERIFICATION_STATE_MACHINE_ARN)
      throw new Error('invalid configuration: AUDIT_VERIFICATION_STATE_MACHINE_ARN');
    const [{ StepFunctionsVerificationRunner }, { SFNClient }] = await Promise.all([
      import('#adapters/sfn/audit-verification.ts'),
      import('@aws-sdk/client-sfn'),
    ]);
    return new StepFunctionsVerificationRunner(new SFNClient({}), env.AUDIT_VERIFICATION_STATE_MACHINE_ARN);
  });
  const exportRunner: ExportRunner = lazyPort(async () => {
    if (!env.AUDIT_VERIFICATION_STATE_MACHINE_ARN) throw new ConfigurationError('AUDIT_VERIFICATION_STATE_MACHINE_ARN');
    const [{ StepFunctionsExportRunner }, { SFNClient }] = await Promise.all([
      import('#adapters/sfn/audit-export.ts'),
      import('@aws-sdk/client-sfn'),
    ]);
    return new StepFunctionsExportRunner(new SFNClient({}), env.AUDIT_VERIFICATION_STATE_MACHINE_ARN);
  });
  const exportFiles: ExportFiles = lazyPort(async () => {
    if (!env.REPORT_BUCKET) throw new ConfigurationError('REPORT_BUCKET');
    return new (await import('#adapters/s3/export-files.ts')).S3ExportFiles(await s3(), env.REPORT_BUCKET);
  });
  const auditSigner: AuditSigner | undefined = env.AUDIT_SIGNING_KEY_ID
    ? lazyPort(async () => {
        const [{ KmsAuditSigner }, { KMSClient }] = await Promise.all([
          import('#adapters/kms/audit-signer.ts'),
          import('@aws-sdk/client-kms'),
        ]);
        return new KmsAuditSigner(new KMSClient({}), env.AUDIT_SIGNING_KEY_ID!);
      })
    : env.AUDIT_SIGNING_KEY
      ? lazyPort(
          async () =>
            new (await import('#adapters/kms/local-audit-signer.ts')).LocalAuditSigner(env.AUDIT_SIGNING_KEY!),
        )
      : undefined;
  // A registration change made by another instance reaches this one's system steps within 5 s.
  const systems = new DynamoSystemsRegistry(db, env.TABLE_ECIF, 5_000);
  // The one place that decides where systems' limits hold (SYSTEM_LIMITS): this process, or every instance.
  const callGate =
    env.SYSTEM_LIMITS === 'shared'
      ? new SharedCallGate(new DynamoCallSlots(db, env.TABLE_REQUESTS), { maxWaitMs: env.SYSTEM_SLOT_WAIT_MS })
      : processCallGate;
  return {
    clock,
    hash: createIdentityHasher(pepper),
    ecif: new DynamoEcifRegistry(db, env.TABLE_ECIF),
    systems,
    consent: new DynamoConsentLedger(db, env.TABLE_CONSENT, cursors),
    requests: new DynamoRequestStore(db, env.TABLE_REQUESTS, cursors, env.REQUEST_RETENTION_DAYS),
    requestFigures: new DynamoRequestFigures(db, env.TABLE_REQUESTS),
    followUps: new DynamoFollowUpStore(db, env.TABLE_REQUESTS),
    holds: new DynamoLegalHolds(db, env.TABLE_ECIF),
    loads: new DynamoLoadJobs(db, env.TABLE_ECIF),
    loadFiles,
    loadWorkflow,
    outbox,
    // Verification codes and requester keys: HMACs under a key derived from the pepper, never the pepper.
    requestKey: createHmac('sha256', pepper).update('custodian/privacy-request').digest('hex'),
    holidays: holidaysFrom(env.HOLIDAYS),
    // Decision tokens: an Ed25519 key derived from the pepper (the same in every instance, never stored).
    decisionSigner: ed25519Signer(pepper, {
      issuer: env.DECISION_TOKEN_ISSUER,
      audience: env.DECISION_TOKEN_AUDIENCE,
      ttlSeconds: env.DECISION_TOKEN_TTL_SECONDS,
    }),
    dueSoonDays: env.DUE_SOON_DAYS,
    anonymousReplyFloorMs: env.ANONYMOUS_REPLY_FLOOR_MS,
    limiter: new DynamoRateLimiter(db, env.TABLE_REQUESTS),
    abuseLimits: {
      submissionsPerHour: env.ANONYMOUS_SUBMISSIONS_PER_HOUR,
      verificationsPerHour: env.VERIFICATION_TRIES_PER_HOUR,
    },
    audit: new DynamoAuditLog(db, env.TABLE_AUDIT, cursors, clock, env.AUDIT_RETENTION_DAYS),
    workflow,
    reports,
    changes,
    keyVault,
    addresses,
    ownTables,
    digestArchive,
    verificationJobs: new DynamoVerificationJobs(db, env.TABLE_AUDIT, clock),
    verificationRunner,
    exportJobs: new DynamoExportJobs(db, env.TABLE_AUDIT, clock),
    exportRunner,
    exportFiles,
    auditSigner,
    // At most the system's registered `concurrency` calls in flight to it, starts spaced by its rate (adapters/connectors/concurrency.ts).
    connectorFor: (system: ConnectedSystem) =>
      limitConcurrency(system, tracedConnector(connectorFor(system, secrets), system.systemId), callGate),
    /** The keys a system may sign its callbacks with (its own by reference, or the deployment's when it opted in); none for an unknown system. */
    callbackKeysFor: async (systemId: string, opts: { fresh?: boolean } = {}) => {
      // Checked before the path is validated: a malformed id is an unknown system, never a lookup.
      if (!systemIdSchema.safeParse(systemId).success) return [];
      const system = await systems.get(systemId);
      return system ? await callbackKeysOf(system, secrets, opts) : [];
    },
    /** Where the chain keeps a route's Idempotency-Key records (Powertools' DynamoDB persistence layer). */
    idempotencyStore: (route: string) => {
      if (!env.TABLE_IDEMPOTENCY) throw new ConfigurationError('TABLE_IDEMPOTENCY');
      return idempotencyStore(env.TABLE_IDEMPOTENCY, route);
    },
    /** Keys the hash that scopes an anonymous caller's Idempotency-Key to its source address. */
    callerKey: createHmac('sha256', pepper).update('custodian/idempotency-caller').digest('hex'),
    /** Where async systems call back, when the deployment knows its public URL (else the path alone). */
    callbackBaseUrl: env.CALLBACK_BASE_URL,
  };
}

export type Deps = Awaited<ReturnType<typeof build>>;

let built: Promise<Deps> | undefined;

export function deps(): Promise<Deps> {
  built ??= build().catch((err) => {
    built = undefined;
    throw err;
  });
  return built;
}

/** Forget the built ports (tests that point the environment elsewhere). */
export function resetDeps(): void {
  built = undefined;
  resetDocumentClient();
  resetIdempotencyStores();
  resetConfig();
}
