/**
 * Systems' own secrets: the environment first, else Secrets Manager under the deployment's prefix
 * (`<prefix><kind>/<ref>`), through an injected client (Secrets Manager does not run here) that
 * answers as the SDK does. Kept for the TTL and read again after it (a rotation is taken up), one
 * read for calls arriving together, a missing secret looked for again, faults split into permanent
 * and transient, and no value in any error. Then through the connectors: the http connector signs
 * with the secret it found, the callback check uses the same key, a SQL system finds its URL.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  GetSecretValueCommand,
  ResourceNotFoundException,
  type GetSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor, signingSecretOf } from '#adapters/connectors/registry.ts';
import { connectionUrl } from '#adapters/connectors/sql-table.ts';
import { SystemSecrets, type SecretsManagerSender } from '#adapters/connectors/system-secrets.ts';
import { verifySignature, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';

const prefix = 'custodian/connectors/';

/** Answers like Secrets Manager from a map of names to values; records each SecretId asked. */
function secretsManager(values: Record<string, string>) {
  const asked: string[] = [];
  let fault: Error | undefined;
  const client: SecretsManagerSender = {
    send: async (command: GetSecretValueCommand): Promise<GetSecretValueCommandOutput> => {
      expect(command).toBeInstanceOf(GetSecretValueCommand);
      // A staged version is kept under `<name>#<stage>`: the current one under the name alone.
      const id = command.input.SecretId! + (command.input.VersionStage ? `#${command.input.VersionStage}` : '');
      asked.push(id);
      if (fault) throw fault;
      if (!(id in values))
        throw new ResourceNotFoundException({
          message: "Secrets Manager can't find the specified secret.",
          $metadata: {},
        });
      return { Name: command.input.SecretId, SecretString: values[id], $metadata: {} };
    },
  };
  return { client, asked, values, failWith: (err: Error | undefined) => (fault = err) };
}

describe("where a system's secret is found", () => {
  it('the environment first: Secrets Manager is not asked', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'from-secrets-manager' });
    const secrets = new SystemSecrets({
      prefix,
      client: sm.client,
      env: { CONNECTOR_SECRET_CRM: 'from-env', CONNECTOR_DB_WAREHOUSE: 'postgres://env/dw' },
    });
    expect(await secrets.value('http', 'crm')).toBe('from-env');
    expect(await secrets.value('postgres', 'warehouse')).toBe('postgres://env/dw');
    expect(sm.asked).toEqual([]);
  });

  it('else the secret <prefix><kind>/<ref>', async () => {
    const sm = secretsManager({
      [`${prefix}http/crm`]: 'crm-key',
      [`${prefix}postgres/warehouse`]: 'postgres://sm/dw',
      [`${prefix}mysql/core`]: 'mysql://sm/core',
    });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    expect(await secrets.value('http', 'crm')).toBe('crm-key');
    expect(await secrets.value('postgres', 'warehouse')).toBe('postgres://sm/dw');
    expect(await secrets.value('mysql', 'core')).toBe('mysql://sm/core');
    expect(sm.asked).toEqual([`${prefix}http/crm`, `${prefix}postgres/warehouse`, `${prefix}mysql/core`]);
  });

  it('without a prefix, the environment alone: nothing is asked, nothing found', async () => {
    const sm = secretsManager({ 'http/crm': 'x' });
    const secrets = new SystemSecrets({ client: sm.client, env: {} });
    expect(await secrets.value('http', 'crm')).toBeUndefined();
    expect(sm.asked).toEqual([]);
    expect(secrets.where('http', 'crm')).toBe('CONNECTOR_SECRET_CRM is not set');
  });

  it('a value is kept for the TTL, then read again: a rotation is taken up without a redeploy', async () => {
    let t = 0;
    const sm = secretsManager({ [`${prefix}http/crm`]: 'v1' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {}, ttlMs: 300_000, now: () => t });
    expect(await secrets.value('http', 'crm')).toBe('v1');
    sm.values[`${prefix}http/crm`] = 'v2';
    t = 299_999;
    expect(await secrets.value('http', 'crm')).toBe('v1');
    expect(sm.asked).toHaveLength(1);
    t = 300_000;
    expect(await secrets.value('http', 'crm')).toBe('v2');
    expect(sm.asked).toHaveLength(2);
  });

  it('calls arriving together share one read', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'k' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    expect(await Promise.all(Array.from({ length: 10 }, () => secrets.value('http', 'crm')))).toEqual(
      Array(10).fill('k'),
    );
    expect(sm.asked).toHaveLength(1);
  });

  it('a missing secret is undefined and looked for again next time (it may have been created since)', async () => {
    const sm = secretsManager({});
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    expect(await secrets.value('http', 'crm')).toBeUndefined();
    sm.values[`${prefix}http/crm`] = 'created';
    expect(await secrets.value('http', 'crm')).toBe('created');
    expect(secrets.where('http', 'crm')).toBe(
      'CONNECTOR_SECRET_CRM is not set and secret custodian/connectors/http/crm does not exist',
    );
  });

  it('refused or undecryptable is permanent, a throttle or an outage transient; both name the secret, never a value; neither is kept', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'the-value' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    sm.failWith(
      Object.assign(new Error('User: arn:aws:sts::1:assumed-role/x is not authorized'), {
        name: 'AccessDeniedException',
      }),
    );
    const denied = secrets.value('http', 'crm');
    await expect(denied).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(denied).rejects.toThrow(
      /^secret custodian\/connectors\/http\/crm could not be read \(AccessDeniedException\)$/,
    );
    sm.failWith(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(secrets.value('http', 'crm')).rejects.toBeInstanceOf(TransientSystemError);
    sm.failWith(undefined);
    expect(await secrets.value('http', 'crm')).toBe('the-value');
  });
});

describe('across a rotation: the keys a callback may be signed with', () => {
  it('the environment: the variable, then <variable>_PREVIOUS', async () => {
    const secrets = new SystemSecrets({ env: { CONNECTOR_SECRET_CRM: 'new', CONNECTOR_SECRET_CRM_PREVIOUS: 'old' } });
    expect(await secrets.keys('http', 'crm')).toEqual(['new', 'old']);
    expect(await new SystemSecrets({ env: { CONNECTOR_SECRET_CRM: 'only' } }).keys('http', 'crm')).toEqual(['only']);
  });

  it('Secrets Manager: the current value, then the one the rotation replaced (AWSPREVIOUS)', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'new', [`${prefix}http/crm#AWSPREVIOUS`]: 'old' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    expect(await secrets.keys('http', 'crm')).toEqual(['new', 'old']);
    // What signs our calls is the current one alone.
    expect(await secrets.value('http', 'crm')).toBe('new');
    expect(sm.asked).toEqual([`${prefix}http/crm`, `${prefix}http/crm#AWSPREVIOUS`]);
  });

  it('a secret never rotated has no previous value, and is not asked for one on every check', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'only' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    for (let i = 0; i < 3; i++) expect(await secrets.keys('http', 'crm')).toEqual(['only']);
    expect(sm.asked).toEqual([`${prefix}http/crm`, `${prefix}http/crm#AWSPREVIOUS`]);
  });

  it('a fresh read takes up a key rotated in since the cache was filled, at most once per freshEveryMs', async () => {
    let t = 0;
    const sm = secretsManager({ [`${prefix}http/crm`]: 'v1' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {}, now: () => t, freshEveryMs: 30_000 });
    expect(await secrets.keys('http', 'crm')).toEqual(['v1']);
    Object.assign(sm.values, { [`${prefix}http/crm`]: 'v2', [`${prefix}http/crm#AWSPREVIOUS`]: 'v1' });
    t = 10_000;
    expect(await secrets.keys('http', 'crm')).toEqual(['v1']);
    // Too soon after the last read: a stream of bad signatures cannot drive reads.
    expect(await secrets.keys('http', 'crm', { fresh: true })).toEqual(['v1']);
    t = 30_000;
    expect(await secrets.keys('http', 'crm', { fresh: true })).toEqual(['v2', 'v1']);
    expect(sm.asked).toHaveLength(4);
  });

  it('a fault reading the previous value leaves the current one accepted', async () => {
    const sm = secretsManager({ [`${prefix}http/crm`]: 'current' });
    const client: SecretsManagerSender = {
      send: async (command) => {
        if (command.input.VersionStage)
          throw Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' });
        return sm.client.send(command);
      },
    };
    expect(await new SystemSecrets({ prefix, client, env: {} }).keys('http', 'crm')).toEqual(['current']);
  });
});

describe('the connectors, with their secrets in Secrets Manager', () => {
  let server: Server;
  let url: string;
  const signatures: { header: string | undefined; signed: { method: string; path: string; body: string } }[] = [];
  beforeAll(async () => {
    server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      signatures.push({
        header: req.headers[SIGNATURE_HEADER] as string | undefined,
        signed: { method: req.method!, path: req.url!, body },
      });
      const call = JSON.parse(body);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          idempotencyKey: call.idempotencyKey,
          status: 'succeeded',
          recordsAffected: 1,
          fieldsChanged: ['email'],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const vendor = (secretRef: string): ConnectedSystem => ({
    ...systemInputSchema.parse({
      name: 'Vendor',
      connector: { kind: 'http', url, secretRef },
      capabilities: ['erase'],
      fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
    }),
    systemId: 'vendor',
    updatedAt: '2026-12-01T00:00:00.000Z',
  });
  const work = (s: ConnectedSystem) => ({
    requestId: 'R1',
    system: s,
    action: 'erase' as const,
    localId: 'L1',
    fields: s.fields,
    idempotencyKey: 'R1:vendor:erase',
  });

  it("an http system's call is signed with its own key from Secrets Manager, and its callbacks are checked with the same key", async () => {
    const sm = secretsManager({ [`${prefix}http/vendor_x`]: 'vendor-x-key-from-secrets-manager' });
    const secrets = {
      signingSecret: 'deployment-wide-key',
      hashKey: 'h',
      systemSecrets: new SystemSecrets({ prefix, client: sm.client, env: {} }),
    };
    const s = vendor('vendor_x');
    await connectorFor(s, secrets).execute(work(s));
    const last = signatures.at(-1)!;
    expect(verifySignature('vendor-x-key-from-secrets-manager', last.signed, last.header)).toBe(true);
    expect(verifySignature('deployment-wide-key', last.signed, last.header)).toBe(false);
    expect(await signingSecretOf(s, secrets)).toBe('vendor-x-key-from-secrets-manager');
  });

  it('a key found nowhere fails the call permanently before anything is sent, naming the variable and the secret', async () => {
    const sm = secretsManager({});
    const secrets = {
      signingSecret: 'deployment-wide-key',
      hashKey: 'h',
      systemSecrets: new SystemSecrets({ prefix, client: sm.client, env: {} }),
    };
    const s = vendor('nowhere');
    const before = signatures.length;
    const call = connectorFor(s, secrets).execute(work(s));
    await expect(call).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(call).rejects.toThrow(
      'no signing secret is configured for this system (CONNECTOR_SECRET_NOWHERE is not set and secret custodian/connectors/http/nowhere does not exist)',
    );
    expect(signatures.length).toBe(before);
    expect(await signingSecretOf(s, secrets)).toBeUndefined();
  });

  it("a SQL system's connection URL comes from <prefix><kind>/<ref>; an unset one names both places", async () => {
    const sm = secretsManager({ [`${prefix}postgres/warehouse`]: 'postgres://custodian:pw@dw.internal:5432/dw' });
    const secrets = new SystemSecrets({ prefix, client: sm.client, env: {} });
    expect(await connectionUrl({ kind: 'postgres', connectionRef: 'warehouse' }, secrets)).toBe(
      'postgres://custodian:pw@dw.internal:5432/dw',
    );
    const unset = connectionUrl({ kind: 'mysql', connectionRef: 'warehouse' }, secrets);
    await expect(unset).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(unset).rejects.toThrow(
      'no connection is configured for this system (CONNECTOR_DB_WAREHOUSE is not set and secret custodian/connectors/mysql/warehouse does not exist)',
    );
  });
});

describe('a database secret as Amazon RDS keeps it (JSON), taken for a connection URL', () => {
  const rds = (over: Record<string, unknown> = {}) =>
    JSON.stringify({
      engine: 'postgres',
      host: 'dw.abc.eu-west-1.rds.amazonaws.com',
      port: 5432,
      username: 'custodian',
      password: 'S3cr:t/@#',
      dbname: 'dw',
      ...over,
    });
  it.each([
    {
      rule: 'postgres, every field',
      kind: 'postgres',
      secret: rds(),
      url: 'postgres://custodian:S3cr%3At%2F%40%23@dw.abc.eu-west-1.rds.amazonaws.com:5432/dw',
    },
    {
      rule: 'aurora-postgresql is postgres',
      kind: 'postgres',
      secret: rds({ engine: 'aurora-postgresql' }),
      url: 'postgres://custodian:S3cr%3At%2F%40%23@dw.abc.eu-west-1.rds.amazonaws.com:5432/dw',
    },
    {
      rule: 'mariadb is mysql; no port: the default',
      kind: 'mysql',
      secret: rds({ engine: 'mariadb', port: undefined }),
      url: 'mysql://custodian:S3cr%3At%2F%40%23@dw.abc.eu-west-1.rds.amazonaws.com:3306/dw',
    },
    {
      rule: 'a port given as text; no engine, no database',
      kind: 'mysql',
      secret: rds({ engine: undefined, port: '3307', dbname: undefined }),
      url: 'mysql://custodian:S3cr%3At%2F%40%23@dw.abc.eu-west-1.rds.amazonaws.com:3307/',
    },
  ] as const)('$rule', async ({ kind, secret, url }) => {
    const secrets = new SystemSecrets({ env: { CONNECTOR_DB_WAREHOUSE: secret } });
    expect(await connectionUrl({ kind, connectionRef: 'warehouse' }, secrets)).toBe(url);
  });

  it.each([
    {
      rule: 'a secret for another engine',
      kind: 'mysql',
      secret: rds(),
      message: 'the connection secret is for a postgres database, not mysql',
    },
    {
      rule: 'no host or password',
      kind: 'postgres',
      secret: rds({ host: undefined, password: '' }),
      message: 'the connection secret has no host, password',
    },
    {
      rule: 'a port that is no port',
      kind: 'postgres',
      secret: rds({ port: 'x' }),
      message: 'the connection secret has a port that is not a port number',
    },
    {
      rule: 'neither a URL nor JSON',
      kind: 'postgres',
      secret: '{not json S3cr:t',
      message: 'the connection secret is neither a URL nor the JSON of a database secret',
    },
  ] as const)('$rule: a permanent failure that names the field, never a value', async ({ kind, secret, message }) => {
    const secrets = new SystemSecrets({ env: { CONNECTOR_DB_WAREHOUSE: secret } });
    const failed = await connectionUrl({ kind, connectionRef: 'warehouse' }, secrets).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(PermanentSystemError);
    expect((failed as Error).message).toBe(message);
    expect((failed as Error).message).not.toContain('S3cr');
  });
});
