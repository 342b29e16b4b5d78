/**
 * The composition root of the handlers: the core's ports bound to their AWS adapters, built once
 * per cold start. Tests build the same ports against DynamoDB Local by setting the environment.
 */
import { createHmac } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { devMailbox } from '#adapters/outbox/dev-mailbox.ts';
import { SesOutbox } from '#adapters/outbox/ses-outbox.ts';
import type { Outbox } from '#core/notifications/outbox.ts';
import { holidaysFrom } from '#core/requests/deadlines.ts';
import { ed25519Signer } from '#core/consent/decision-token.ts';
import { SFNClient } from '@aws-sdk/client-sfn';
import { S3DigestArchive } from '#adapters/s3/digest-archive.ts';
import { S3ReportStore } from '#adapters/s3/report-store.ts';
import type { ReportStore } from '#core/reports/ports.ts';
import { config, resetConfig } from '#functions/config.ts';
import { connectorFor } from '#adapters/connectors/registry.ts';
import { documentClient, resetDocumentClient } from '#adapters/dynamodb/client.ts';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { DynamoConsentLedger } from '#adapters/dynamodb/consent-ledger.ts';
import { DynamoEcifRegistry } from '#adapters/dynamodb/ecif-registry.ts';
import { DynamoRequestStore } from '#adapters/dynamodb/request-store.ts';
import { DynamoSystemsRegistry } from '#adapters/dynamodb/systems-registry.ts';
import { secretValue } from '#adapters/secrets.ts';
import { StepFunctionsRequestWorkflow } from '#adapters/sfn/request-workflow.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import type { RequestWorkflow } from '#core/requests/ports.ts';
import { systemClock } from '#core/shared/clock.ts';

async function build() {
  const env = config();
  const pepper = env.IDENTIFIER_PEPPER_SECRET_ARN ? await secretValue(env.IDENTIFIER_PEPPER_SECRET_ARN) : env.IDENTIFIER_PEPPER;
  if (!pepper) throw new Error('invalid configuration: IDENTIFIER_PEPPER or IDENTIFIER_PEPPER_SECRET_ARN');
  const db = documentClient();
  const clock = systemClock;
  const signingSecret = env.CONNECTOR_SIGNING_SECRET_ARN ? await secretValue(env.CONNECTOR_SIGNING_SECRET_ARN) : env.CONNECTOR_SIGNING_SECRET;
  // Never the pepper itself in a connected system's hands: the `hash` strategy gets a key derived from it.
  const secrets = { signingSecret, hashKey: createHmac('sha256', pepper).update('custodian/field-strategy/hash').digest('hex') };
  const outbox: Outbox =
    env.OUTBOX === 'dev-mailbox'
      ? devMailbox
      : {
          send: (n) => {
            if (!env.SES_FROM) throw new Error('invalid configuration: SES_FROM');
            return new SesOutbox(new SESv2Client({}), env.SES_FROM).send(n);
          },
        };
  const workflow: RequestWorkflow = env.STATE_MACHINE_ARN
    ? new StepFunctionsRequestWorkflow(new SFNClient({}), env.STATE_MACHINE_ARN)
    : {
        start: async () => {
          throw new Error('invalid configuration: STATE_MACHINE_ARN');
        },
      };
  return {
    clock,
    hash: createIdentityHasher(pepper),
    ecif: new DynamoEcifRegistry(db, env.TABLE_ECIF),
    systems: new DynamoSystemsRegistry(db, env.TABLE_ECIF),
    consent: new DynamoConsentLedger(db, env.TABLE_CONSENT),
    requests: new DynamoRequestStore(db, env.TABLE_REQUESTS, env.REQUEST_RETENTION_DAYS),
    outbox,
    // Verification codes and requester keys: HMACs under a key derived from the pepper, never the pepper.
    requestKey: createHmac('sha256', pepper).update('custodian/privacy-request').digest('hex'),
    holidays: holidaysFrom(env.HOLIDAYS),
    // Decision tokens: an Ed25519 key derived from the pepper (the same in every instance, never stored).
    decisionSigner: ed25519Signer(pepper),
    dueSoonDays: env.DUE_SOON_DAYS,
    anonymousReplyFloorMs: env.ANONYMOUS_REPLY_FLOOR_MS,
    audit: new DynamoAuditLog(db, env.TABLE_AUDIT, clock, env.AUDIT_RETENTION_DAYS),
    workflow,
    reports: env.REPORT_BUCKET ? new S3ReportStore(s3(), env.REPORT_BUCKET) : missingReports,
    digestArchive: env.DIGEST_BUCKET ? new S3DigestArchive(s3(), env.DIGEST_BUCKET) : undefined,
    connectorFor: (system: ConnectedSystem) => connectorFor(system, secrets),
  };
}

// Path-style addressing where an S3 endpoint is set (s3rver locally).
const s3 = () => new S3Client({ forcePathStyle: Boolean(process.env.AWS_ENDPOINT_URL_S3) });

/** A function without the report bucket (its row asks for none) that reaches for it: a configuration error. */
const missingReports: ReportStore = new Proxy({} as ReportStore, {
  get: () => async () => {
    throw new Error('invalid configuration: REPORT_BUCKET');
  },
});

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
  resetConfig();
}
