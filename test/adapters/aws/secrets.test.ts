/**
 * Secrets Manager against moto, through the adapters: a system's key under
 * `custodian/connectors/<kind>/<ref>`; after a rotation (AWSCURRENT moved to the new value, AWSPREVIOUS
 * kept) calls sign with the new key and callbacks signed with either are accepted; the pepper and the
 * signing secret read at cold start by the composition root; a missing secret is a clear
 * configuration error that names the secret, never a value.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  CreateSecretCommand,
  DescribeSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '#adapters/connectors/registry.ts';
import { SystemSecrets } from '#adapters/connectors/system-secrets.ts';
import { SIGNATURE_HEADER, sign, verifySignature } from '#core/connectors/signature.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { deps, resetDeps } from '#handlers/deps.ts';
import { composeWith, pointSdkAtMoto, startMoto, type Moto } from '../../support/moto.ts';

let moto: Moto;
let restore: () => void;
let sm: SecretsManagerClient;
const prefix = 'custodian/connectors/';

beforeAll(async () => {
  moto = await startMoto();
  restore = pointSdkAtMoto(moto);
  sm = new SecretsManagerClient(moto.clientConfig);
});
afterAll(async () => {
  restore?.();
  resetDeps();
  await moto?.stop();
});

/** A webhook that records the signature header of each call and answers as a connected system. */
async function webhook() {
  const seen: { signature: string; request: { method: string; path: string; body: string } }[] = [];
  const server = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({
      signature: String(req.headers[SIGNATURE_HEADER]),
      request: { method: req.method ?? 'POST', path: req.url ?? '/', body },
    });
    const call = JSON.parse(body);
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        idempotencyKey: call.idempotencyKey,
        status: 'succeeded',
        recordsAffected: 1,
        fieldsChanged: ['email'],
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/erase`, seen, close: () => server.close() };
}

describe("a system's key in Secrets Manager (moto)", () => {
  it('read under custodian/connectors/http/<ref>; after a rotation calls sign with the new key, callbacks with either are accepted', async () => {
    const name = `${prefix}http/crm-moto`;
    await sm.send(new CreateSecretCommand({ Name: name, SecretString: 'key-before-rotation-0001' }));
    const hook = await webhook();
    try {
      const system: ConnectedSystem = {
        ...systemInputSchema.parse({
          name: 'CRM',
          connector: { kind: 'http', url: hook.url, secretRef: 'crm-moto' },
          capabilities: ['erase'],
          fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        }),
        systemId: 'crm-moto',
        updatedAt: '2026-12-01T00:00:00.000Z',
      };
      const before = new SystemSecrets({ prefix, env: {} });
      expect(await before.keys('http', 'crm-moto')).toEqual(['key-before-rotation-0001']);

      // A rotation: the new value becomes AWSCURRENT, the old one AWSPREVIOUS.
      await sm.send(new PutSecretValueCommand({ SecretId: name, SecretString: 'key-after-rotation-0002' }));
      const stages = Object.values((await sm.send(new DescribeSecretCommand({ SecretId: name }))).VersionIdsToStages!);
      expect(stages.flat().sort()).toEqual(['AWSCURRENT', 'AWSPREVIOUS']);

      const after = new SystemSecrets({ prefix, env: {} });
      expect(await after.keys('http', 'crm-moto')).toEqual(['key-after-rotation-0002', 'key-before-rotation-0001']);
      const connector = connectorFor(system, { signingSecret: undefined, hashKey: 'k', systemSecrets: after });
      await connector.execute({
        requestId: 'R1',
        system,
        action: 'erase',
        localId: 'L1',
        fields: system.fields,
        idempotencyKey: 'R1:crm-moto:erase',
      });
      expect(hook.seen).toHaveLength(1);
      expect(verifySignature('key-after-rotation-0002', hook.seen[0]!.request, hook.seen[0]!.signature)).toBe(true);
      expect(verifySignature('key-before-rotation-0001', hook.seen[0]!.request, hook.seen[0]!.signature)).toBe(false);

      const body = {
        method: 'POST',
        path: '/v1/callbacks/R1/crm-moto',
        body: JSON.stringify({ status: 'succeeded' }),
      };
      const keys = await after.keys('http', 'crm-moto');
      for (const signer of ['key-after-rotation-0002', 'key-before-rotation-0001'])
        expect(keys.some((k) => verifySignature(k, body, sign(signer, body)))).toBe(true);
      expect(keys.some((k) => verifySignature(k, body, sign('someone-else-entirely', body)))).toBe(false);
    } finally {
      hook.close();
    }
  });

  it('the pepper and the signing secret are read at cold start by the composition root', async () => {
    const pepper = await sm.send(new CreateSecretCommand({ Name: 'custodian/pepper', SecretString: 'p'.repeat(64) }));
    const signing = await sm.send(new CreateSecretCommand({ Name: 'custodian/signing', SecretString: 's'.repeat(64) }));
    await composeWith({ IDENTIFIER_PEPPER_SECRET_ARN: pepper.ARN!, CONNECTOR_SIGNING_SECRET_ARN: signing.ARN! });
    const built = await deps();
    expect(built.hash('email', 'someone@mail.example')).toBe(
      createIdentityHasher('p'.repeat(64))('email', 'someone@mail.example'),
    );
    expect(built.hash('email', 'someone@mail.example')).not.toBe(
      createIdentityHasher('moto-test-pepper-0123456789')('email', 'someone@mail.example'),
    );
  });

  it('a missing secret is a configuration error naming the secret, not a value', async () => {
    const missing = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:custodian/nowhere-AbCdEf';
    await composeWith({ IDENTIFIER_PEPPER_SECRET_ARN: missing });
    const err = await deps().then(
      () => undefined,
      (e: Error) => e,
    );
    expect(err).toMatchObject({
      name: 'ConfigurationError',
      message: `invalid configuration: secret ${missing} could not be read (ResourceNotFoundException)`,
    });
  });
});
