/**
 * A connected system's own secrets, found by the reference its registration names (never the value):
 * the environment first (`CONNECTOR_SECRET_<REF>`, `CONNECTOR_DB_<REF>`: the local runtime, tests),
 * else, where the deployment sets a prefix (CONNECTOR_SECRETS_PREFIX), the AWS Secrets Manager secret
 * `<prefix><kind>/<ref>` (e.g. `custodian/connectors/http/crm`). A value read from Secrets Manager is
 * kept for a few minutes per instance, so a rotation takes effect without a redeploy. Errors name
 * the variable and the secret, never a value.
 */
import type { GetSecretValueCommand, GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';

/** The connector kinds that have secrets of their own, as they appear in the secret's name. */
export type SecretKind = 'http' | 'postgres' | 'mysql';

/** What is needed of the SDK client (tests inject one: Secrets Manager does not run locally). */
export interface SecretsManagerSender {
  send(command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput>;
}

export interface SystemSecretsOptions {
  /** Where Secrets Manager is looked in; absent: the environment alone. */
  prefix?: string;
  /** @default a SecretsManagerClient, made on first use (the SDK is loaded only then) */
  client?: SecretsManagerSender;
  /** How long a value read from Secrets Manager is used before it is read again. @default 300 000 (5 minutes) */
  ttlMs?: number;
  /** @default process.env, read on each lookup */
  env?: Record<string, string | undefined>;
  now?: () => number;
}

const variablePart = (ref: string) => ref.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** The variable an http system's secret reference is read from first. */
export const secretVariable = (ref: string) => `CONNECTOR_SECRET_${variablePart(ref)}`;
/** The variable a SQL system's connection reference is read from first. */
export const connectionVariable = (ref: string) => `CONNECTOR_DB_${variablePart(ref)}`;

export class SystemSecrets {
  private readonly cache = new Map<string, { value: Promise<string | undefined>; until: number }>();
  private client?: Promise<SecretsManagerSender>;
  private readonly ttlMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SystemSecretsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.now = options.now ?? Date.now;
  }

  /** The Secrets Manager name of a reference, where the deployment has a prefix. */
  secretName(kind: SecretKind, ref: string): string | undefined {
    return this.options.prefix ? `${this.options.prefix}${kind}/${ref}` : undefined;
  }

  /** Where a reference was looked for, for an error: the variable, and the secret when there is a prefix. */
  where(kind: SecretKind, ref: string): string {
    const variable = kind === 'http' ? secretVariable(ref) : connectionVariable(ref);
    const name = this.secretName(kind, ref);
    return name ? `${variable} is not set and secret ${name} does not exist` : `${variable} is not set`;
  }

  /** The value of a reference, or undefined when neither the environment nor Secrets Manager has it. */
  async value(kind: SecretKind, ref: string): Promise<string | undefined> {
    const fromEnv = (this.options.env ?? process.env)[kind === 'http' ? secretVariable(ref) : connectionVariable(ref)];
    if (fromEnv) return fromEnv;
    const name = this.secretName(kind, ref);
    if (!name) return undefined;
    const cached = this.cache.get(name);
    if (cached && cached.until > this.now()) return cached.value;
    // One read per name at a time: calls arriving together share it.
    const value = this.read(name);
    this.cache.set(name, { value, until: this.now() + this.ttlMs });
    // Only a value is kept: a missing secret is looked for again (it may be created), a fault is retried.
    value.then(
      (v) => v === undefined && this.cache.delete(name),
      () => this.cache.delete(name),
    );
    return value;
  }

  private async read(name: string): Promise<string | undefined> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    this.client ??= this.options.client
      ? Promise.resolve(this.options.client)
      : import('@aws-sdk/client-secrets-manager').then(({ SecretsManagerClient }) => new SecretsManagerClient({}));
    let out: GetSecretValueCommandOutput;
    try {
      out = await (await this.client).send(new GetSecretValueCommand({ SecretId: name }));
    } catch (err) {
      const code = (err as Error)?.name ?? 'Error';
      if (code === 'ResourceNotFoundException') return undefined;
      // Refused or undecryptable: a deployment's configuration, not worth a retry. Anything else may pass.
      if (code === 'AccessDeniedException' || code === 'DecryptionFailure' || code === 'InvalidRequestException') {
        throw new PermanentSystemError(`secret ${name} could not be read (${code})`);
      }
      throw new TransientSystemError(`secret ${name} could not be read (${code})`);
    }
    if (!out.SecretString) throw new PermanentSystemError(`secret ${name} has no string value`);
    return out.SecretString;
  }
}

/** The environment alone: what a caller gets that names no source. */
export const environmentSecrets = new SystemSecrets();
