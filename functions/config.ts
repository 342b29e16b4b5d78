/**
 * Environment, parsed by zod once per cold start. The same names are set by CDK on every
 * function and by the local runtime before it loads the handlers.
 * AWS endpoints for the emulators come from the SDK's own variables
 * (AWS_ENDPOINT_URL_DYNAMODB, AWS_ENDPOINT_URL_SFN, AWS_ENDPOINT_URL_S3): nothing else changes locally.
 */
import { z } from 'zod';
import { ConfigurationError } from '#core/shared/errors.ts';

export const configSchema = z.object({
  TABLE_ECIF: z.string().min(1),
  TABLE_CONSENT: z.string().min(1),
  TABLE_REQUESTS: z.string().min(1),
  TABLE_AUDIT: z.string().min(1),
  /** Idempotency-Key records of the write routes (Powertools' schema: `id`, TTL `expiration`). */
  TABLE_IDEMPOTENCY: z.string().min(1).optional(),
  REPORT_BUCKET: z.string().min(1).optional(),
  /** The write-once (Object Lock) bucket of the daily audit digests. */
  DIGEST_BUCKET: z.string().min(1).optional(),
  STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** The ECIF bulk load state machine (POST /v1/ecif/imports/{id}/start starts it). */
  LOAD_STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** The audit verification job's state machine (POST /v1/audit/verifications starts it). */
  AUDIT_VERIFICATION_STATE_MACHINE_ARN: z.string().min(1).optional(),
  /** The audit key in AWS: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY) by id or ARN. */
  AUDIT_SIGNING_KEY_ID: z.string().min(1).optional(),
  /** The audit key locally: an ECC P-256 private key (PKCS#8 PEM) from the local secrets file. */
  AUDIT_SIGNING_KEY: z.string().min(100).optional(),
  /**
   * The token claim that holds a customer's ecifId: the user pool's immutable `custom:ecifId`, put in
   * ID and access tokens by the pre-token-generation trigger. `sub` only where the deployment's identity
   * provider's subject is the customer number (a federated bank IdP): Cognito's own `sub` is a UUID.
   */
  CUSTOMER_ID_CLAIM: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/)
    .default('custom:ecifId'),
  /** Pepper for the identity index HMAC. Locally an env value; in AWS fetched from Secrets Manager by ARN. */
  IDENTIFIER_PEPPER: z.string().min(16).optional(),
  IDENTIFIER_PEPPER_SECRET_ARN: z.string().min(1).optional(),
  /** Secret that signs calls to connected systems' webhooks (a system's own: `connector.secretRef`, below). */
  CONNECTOR_SIGNING_SECRET: z.string().min(16).optional(),
  /** In AWS: the Secrets Manager ARN of that signing secret (only the tasks that call systems get it). */
  CONNECTOR_SIGNING_SECRET_ARN: z.string().min(1).optional(),
  /**
   * Where systems' own secrets are in Secrets Manager when the environment has no
   * CONNECTOR_SECRET_<REF> / CONNECTOR_DB_<REF>: `<prefix><kind>/<ref>` (CDK: `custodian/connectors/`).
   */
  CONNECTOR_SECRETS_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9/_+=.@-]{1,100}$/)
    .optional(),
  /**
   * Loopback ports connected systems may be called on (read at each call): absent in a deployment (none);
   * the local runtime lists the ports of the systems it starts; `any` is the explicit local setting.
   */
  CONNECTOR_LOOPBACK: z
    .string()
    .regex(/^(any|[0-9, ]*)$/)
    .optional(),
  /** Local runtime: the directory of the keys issued to systems at registration (AWS: Secrets Manager under the prefix). */
  CONNECTOR_KEYS_DIR: z.string().min(1).optional(),
  /**
   * Where a connected system's `concurrency` and `rateLimitPerSecond` hold: `process` (exact within one
   * process: the local runtime's default) or `shared` (leases in the requests table, one bound over
   * every Lambda instance; CDK sets it on the functions that call systems).
   */
  SYSTEM_LIMITS: z.enum(['process', 'shared']).default('process'),
  /** shared: how long a call waits for a slot and its start before the step is retried (CDK: a fifth of the function's timeout). */
  SYSTEM_SLOT_WAIT_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
  /** Days audit events are kept (11 CCR §7101 asks at least 24 months); whole days expire together. */
  AUDIT_RETENTION_DAYS: z.coerce.number().int().min(730).max(36_500).default(730),
  /** Days a closed privacy request is kept (11 CCR §7101: at least 24 months). */
  REQUEST_RETENTION_DAYS: z.coerce.number().int().min(730).max(36_500).default(730),
  /** Public holidays skipped by business-day counts and deadline shifts: `YYYY-MM-DD,YYYY-MM-DD`. */
  HOLIDAYS: z.string().default(''),
  /** Days before its deadline an open request is marked due_soon. */
  DUE_SOON_DAYS: z.coerce.number().int().min(1).max(30).default(7),
  /**
   * An anonymous submission is answered no sooner than this: whether a code was sent (someone matched)
   * or not, the reply takes the same time.
   */
  ANONYMOUS_REPLY_FLOOR_MS: z.coerce.number().int().min(0).max(5_000).default(400),
  /** Anonymous privacy-request submissions per source address per hour (429 beyond). */
  ANONYMOUS_SUBMISSIONS_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(20),
  /** Verification-code tries per source address per hour, over all requests (429 beyond). */
  VERIFICATION_TRIES_PER_HOUR: z.coerce.number().int().min(1).max(100_000).default(30),
  /** The public base URL of this API, given to async systems as their callback address (locally the gateway). */
  CALLBACK_BASE_URL: z.url().optional(),
  /** The EventBridge bus of `consent.changed` (AWS); locally CONSENT_SUBSCRIBERS webhooks instead. */
  CONSENT_EVENT_BUS: z.string().min(1).optional(),
  /** Where requester notices go: Amazon SES, or the local dev mailbox (/dev/mailbox). */
  OUTBOX: z.enum(['ses', 'dev-mailbox']).default('ses'),
  /** The verified SES sender address (AWS only). */
  SES_FROM: z.string().min(3).optional(),
  /** Events read per page by the streamed audit export (one page in memory at a time). */
  AUDIT_EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(1000).default(1000),
  /** Streamed routes (behind the REST API, which adds no CORS headers): the web pages' origins, comma-separated. */
  CORS_ALLOW_ORIGINS: z.string().optional(),
  /** Decision tokens: who signs them (`iss`) and the deciding deployment they name (`aud`), checked by the CRM. */
  DECISION_TOKEN_ISSUER: z.string().min(1).max(200).default('urn:custodian'),
  DECISION_TOKEN_AUDIENCE: z.string().min(1).max(200).default('urn:custodian:local'),
  /** How long a decision token holds (`exp` - `iat`): a decision is acted on within minutes, or asked again. */
  DECISION_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(3600).default(300),
  /** The controller and its DPO as the record of processing activities names them (GDPR Art. 30(1)(a)). */
  CONTROLLER_NAME: z.string().trim().min(1).max(200).optional(),
  CONTROLLER_CONTACT: z.string().trim().min(3).max(300).optional(),
  DPO_CONTACT: z.string().trim().min(3).max(300).optional(),
  SERVICE_VERSION: z.string().default('0.1.0'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),
});

export type Config = z.infer<typeof configSchema>;

let cached: Config | undefined;

export function config(): Config {
  if (!cached) {
    const parsed = configSchema.safeParse(process.env);
    if (!parsed.success) {
      // Names only: values may be secrets.
      const names = parsed.error.issues.map((i) => i.path.join('.')).join(', ');
      throw new ConfigurationError(names);
    }
    cached = parsed.data;
  }
  return cached;
}

/** Tests and the local runtime set the environment before the first call; this forgets the parse. */
export function resetConfig(): void {
  cached = undefined;
}
