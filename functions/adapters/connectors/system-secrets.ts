/**
 * A connected system's own secrets, found by the reference its registration names (never the value):
 * the environment first (`CONNECTOR_SECRET_<REF>`, `CONNECTOR_DB_<REF>`: the local runtime, tests),
 * then, for signing keys, the local runtime's key files (keys it issued to systems), else, where the deployment sets a prefix (CONNECTOR_SECRETS_PREFIX), the AWS Secrets Manager secret
 * `<prefix><kind>/<ref>` (e.g. `custodian/connectors/http/crm`). A value read from Secrets Manager is
 * kept for a few minutes per instance, so a rotation takes effect without a redeploy. Across a
 * rotation a callback may come signed with either key: `keys` answers the current value and the
 * previous one (`AWSPREVIOUS`; `<VARIABLE>_PREVIOUS` in the environment), and can read past the cache
 * (at most once per `freshEveryMs`) for a key rotated in since. Errors name the variable and the
 * secret, never a value.
 */
import type { GetSecretValueCommand, GetSecretValueCommandOutput } from '@aws-sdk/client-secrets-manager';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';
import type { LocalKeyFiles } from './local-key-files.ts';

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
  /** A read past the cache (`keys(…, { fresh: true })`) at most this often per secret: a bad signature cannot drive reads. @default 30 000 */
  freshEveryMs?: number;
  /** The local runtime's issued keys (read after the environment, before Secrets Manager). */
  files?: Pick<LocalKeyFiles, 'read'>;
  /** @default process.env, read on each lookup */
  env?: Record<string, string | undefined>;
  now?: () => number;
}

const variablePart = (ref: string) => ref.toUpperCase().replace(/[^A-Z0-9]/g, '_');

/** The variable an http system's secret reference is read from first. */
export const secretVariable = (ref: string) => `CONNECTOR_SECRET_${variablePart(ref)}`;
/** The variable a SQL system's connection reference is read from first. */
export const connectionVariable = (ref: string) => `CONNECTOR_DB_${variablePart(ref)}`;

/** The staging label Secrets Manager gives the value a rotation replaced. */
const PREVIOUS = 'AWSPREVIOUS';

export class SystemSecrets {
  private readonly cache = new Map<string, { value: Promise<string | undefined>; at: number; until: number }>();
  private client?: Promise<SecretsManagerSender>;
  private readonly ttlMs: number;
  private readonly freshEveryMs: number;
  private readonly now: () => number;

  constructor(private readonly options: SystemSecretsOptions = {}) {
    this.ttlMs = options.ttlMs ?? 300_000;
    this.freshEveryMs = options.freshEveryMs ?? 30_000;
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
    const fromEnv = this.variable(kind, ref);
    if (fromEnv) return fromEnv;
    const fromFile = kind === 'http' ? this.options.files?.read(ref) : undefined;
    if (fromFile) return fromFile.current;
    const name = this.secretName(kind, ref);
    return name ? this.cached(name) : undefined;
  }

  /**
   * The keys a reference may be signed with just now: the current one first, then the one a rotation
   * replaced, where there is one. `fresh`: read past the cache (not more often than `freshEveryMs`).
   */
  async keys(kind: SecretKind, ref: string, opts: { fresh?: boolean } = {}): Promise<string[]> {
    const fromEnv = this.variable(kind, ref);
    if (fromEnv) return [fromEnv, this.variable(kind, ref, '_PREVIOUS')].filter((k): k is string => !!k);
    const fromFile = kind === 'http' ? this.options.files?.read(ref) : undefined;
    if (fromFile) return [fromFile.current, fromFile.previous].filter((k): k is string => !!k);
    const name = this.secretName(kind, ref);
    if (!name) return [];
    // The previous key only widens what is accepted: a fault reading it is no reason to refuse the current one.
    const keys = await Promise.all([
      this.cached(name, undefined, opts.fresh),
      this.cached(name, PREVIOUS, opts.fresh).catch(() => undefined),
    ]);
    return [...new Set(keys.filter((k): k is string => !!k))];
  }

  private variable(kind: SecretKind, ref: string, suffix = ''): string | undefined {
    return (
      (this.options.env ?? process.env)[(kind === 'http' ? secretVariable(ref) : connectionVariable(ref)) + suffix] ||
      undefined
    );
  }

  private cached(name: string, stage?: string, fresh = false): Promise<string | undefined> {
    const key = stage ? `${name}#${stage}` : name;
    const cached = this.cache.get(key);
    const now = this.now();
    if (cached && cached.until > now && !(fresh && now - cached.at >= this.freshEveryMs)) return cached.value;
    // One read per name at a time: calls arriving together share it.
    const value = this.read(name, stage);
    this.cache.set(key, { value, at: now, until: now + this.ttlMs });
    // A missing secret is looked for again (it may be created), a fault is retried; a secret never
    // rotated has no previous value, and that is kept like a value (or each check would ask).
    value.then(
      (v) => v === undefined && !stage && this.cache.delete(key),
      () => this.cache.delete(key),
    );
    return value;
  }

  private async read(name: string, stage?: string): Promise<string | undefined> {
    const { GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    this.client ??= this.options.client
      ? Promise.resolve(this.options.client)
      : import('@aws-sdk/client-secrets-manager').then(({ SecretsManagerClient }) => new SecretsManagerClient({}));
    let out: GetSecretValueCommandOutput;
    try {
      out = await (await this.client).send(
        new GetSecretValueCommand({ SecretId: name, ...(stage ? { VersionStage: stage } : {}) }),
      );
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
