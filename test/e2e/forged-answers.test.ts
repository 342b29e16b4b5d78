/**
 * Answers that cannot be forged, and places a system may not point Custodian at, end to end on the
 * local runtime: each HTTP system is issued its own key at registration, and a callback signed with
 * another system's key, with the deployment's shared key (not opted in), or for another path is
 * refused; a `succeeded` the read-back disproves fails the step (422 to the system); a registration
 * whose webhook leads to an internal address, carries credentials, or names one of Custodian's own
 * tables is a 422 naming the field, echoing nothing, storing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { startDemoCrm } from '#infra/local/demo/crm-service.ts';
import type { CrmContact } from '#infra/local/demo/customers.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  for (const role of ['steward', 'operator'] as const) tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => runtime?.stop());

const api = contractClient(() => runtime.apiUrl);

/** What a test system holds for its one subject. */
const contact: CrmContact = {
  contactId: 'X-1',
  firstName: 'Test',
  lastName: 'Subject',
  email: 'test.subject@example.net',
  phone: '+442071234567',
  notes: 'prefers email',
  marketingSegment: 'retail',
  lastContactedOn: '2026-01-01',
};

type View = { status: string; systems: { systemId: string; state: string; [k: string]: any }[]; [k: string]: any };
const final = (r: View) => !['received', 'in_progress'].includes(r.status);
const waitsForSomeone = (r: View) => !!r.systems?.some((s) => s.state === 'waiting');

async function settled(id: string, until: (r: View) => boolean = final): Promise<View> {
  for (let i = 0; i < 300; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator });
    if (until(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the request did not get there');
}

const emailOf = (ecifId: string) => `${ecifId.toLowerCase()}@example.net`;

async function erasureBy(ecifId: string, email: string) {
  const token = await signDevToken({ role: 'customer', sub: ecifId });
  const submitted = await api('POST', '/v1/privacy-requests', {
    token,
    body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } },
  });
  expect(submitted.status).toBe(202);
  return submitted.body.id as string;
}

async function customerIn(ecifId: string, systemId: string, localId: string) {
  const put = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
    token: tokens.steward,
    body: {
      name: { given: 'Test', family: 'Subject' },
      emails: [emailOf(ecifId)],
      crossReferences: [{ systemId, localId }],
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
}

function callback(requestId: string, systemId: string, body: Record<string, unknown>, signature: string) {
  return fetch(`${runtime.apiUrl}/v1/callbacks/${requestId}/${systemId}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signature },
    body: JSON.stringify(body),
  });
}

/** A callback's signature as a system makes it: POST, the callback's path (request and system), the body. */
const signCallback = (secret: string, requestId: string, systemId: string, body: string) =>
  sign(secret, { method: 'POST', path: `/v1/callbacks/${requestId}/${systemId}`, body });

describe('systems of one request, each with the key it was issued', () => {
  it('one cannot answer for the other, with its own key or the shared one; each is issued its key once', async () => {
    // Two async systems that accept the work and would do it a minute later: both steps wait.
    const twins = await Promise.all(
      ['TA-1', 'TB-1'].map((contactId) =>
        startDemoCrm({ records: [{ ...contact, contactId }], callbacks: { delayMs: 60_000 } }),
      ),
    );
    for (const twin of twins) allowLocalSystem(twin.url);
    try {
      const keys: Record<string, string> = {};
      for (const [systemId, twin] of [
        ['twin-a', twins[0]!],
        ['twin-b', twins[1]!],
      ] as const) {
        const body = {
          name: systemId,
          connector: { kind: 'http', url: twin.url, mode: 'async', timeoutMs: 2_000, callbackTimeoutSeconds: 60 },
          capabilities: ['erase'],
          fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        };
        const put = await api('PUT', `/v1/systems/${systemId}`, { token: tokens.operator, body });
        expect(put.status).toBe(201);
        expect(put.body.signingSecret).toMatch(/^[0-9a-f]{64}$/);
        expect(put.body.connector).toMatchObject({ secretRef: `systems/${systemId}` });
        keys[systemId] = put.body.signingSecret;
        twin.useSecret(put.body.signingSecret);
        // Registered again: the key stays, and is not shown again (nor ever listed).
        const again = await api('PUT', `/v1/systems/${systemId}`, { token: tokens.operator, body });
        expect(again.status).toBe(200);
        expect(again.body).not.toHaveProperty('signingSecret');
      }
      const listed = await api('GET', '/v1/systems', { token: tokens.operator });
      for (const key of Object.values(keys)) expect(JSON.stringify(listed.body)).not.toContain(key);

      const ecifId = 'C900005';
      const put = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
        token: tokens.steward,
        body: {
          name: { given: 'Test', family: 'Subject' },
          emails: [emailOf(ecifId)],
          crossReferences: [
            { systemId: 'twin-a', localId: 'TA-1' },
            { systemId: 'twin-b', localId: 'TB-1' },
          ],
        },
      });
      expect(put.status).toBeLessThan(300);
      const id = await erasureBy(ecifId, emailOf(ecifId));
      await settled(id, (r) => r.systems?.filter((s) => s.state === 'waiting').length === 2);

      const forged = JSON.stringify({ idempotencyKey: `${id}:twin-b:erase:erase`, status: 'failed', error: 'forged' });
      for (const signature of [
        // twin-a's own key, over twin-b's path
        signCallback(keys['twin-a']!, id, 'twin-b', forged),
        // the deployment's shared key (the demo CRM holds it for consent.changed): twin-b did not opt in
        signCallback(runtime.env.CONNECTOR_SIGNING_SECRET, id, 'twin-b', forged),
        // twin-b's key over another path: a signature is bound to the step it was made for
        signCallback(keys['twin-b']!, id, 'twin-a', forged),
      ]) {
        expect((await callback(id, 'twin-b', JSON.parse(forged), signature)).status).toBe(401);
      }
      const view = await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator });
      expect(view.body.systems.map((s: { state: string }) => s.state)).toEqual(['waiting', 'waiting']);
      // twin-b's own key, for its own step: taken.
      const progress = JSON.stringify({ idempotencyKey: `${id}:twin-b:erase:erase`, status: 'in_progress' });
      const taken = await callback(
        id,
        'twin-b',
        JSON.parse(progress),
        signCallback(keys['twin-b']!, id, 'twin-b', progress),
      );
      expect(taken.status).toBe(200);
    } finally {
      await Promise.all(twins.map((t) => t.stop()));
    }
  });
});

describe('a succeeded callback that the read-back disproves', () => {
  it('is a 422 problem naming the fields; the step fails as unverified and the request needs attention', async () => {
    const own = 'vendor-y-own-secret-0123456789abcdef';
    process.env.CONNECTOR_SECRET_VENDOR_Y = own;
    // It accepts the work and would do it a minute later: a callback now claims what is not done yet.
    const vendor = await startDemoCrm({
      secret: own,
      records: [{ ...contact, contactId: 'VY-1' }],
      callbacks: { delayMs: 60_000 },
    });
    allowLocalSystem(vendor.url);
    try {
      const put = await api('PUT', '/v1/systems/vendor-y', {
        token: tokens.operator,
        body: {
          name: 'Vendor Y',
          connector: { kind: 'http', url: vendor.url, mode: 'async', secretRef: 'vendor_y', timeoutMs: 2_000 },
          capabilities: ['erase', 'verify'],
          fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        },
      });
      expect(put.status).toBeLessThan(300);
      await customerIn('C900004', 'vendor-y', 'VY-1');
      const id = await erasureBy('C900004', emailOf('C900004'));
      await settled(id, waitsForSomeone);
      const body = { idempotencyKey: `${id}:vendor-y:erase:erase`, status: 'succeeded', recordsAffected: 1 };
      const res = await callback(id, 'vendor-y', body, signCallback(own, id, 'vendor-y', JSON.stringify(body)));
      const problem = (await res.json()) as Record<string, unknown>;
      expect(res.status).toBe(422);
      expect(problem).toMatchObject({ type: expect.stringMatching(/unverified-outcome$/), remaining: ['email'] });
      const done = await settled(id);
      expect(done.status).toBe('needs_attention');
      expect(done.outcome.reasons).toEqual(['vendor-y: UnverifiedOutcome']);
      expect(done.systems[0]).toMatchObject({ systemId: 'vendor-y', state: 'failed' });
      // The read-back's answer names fields, never a value the system holds.
      expect(JSON.stringify(done)).not.toContain(contact.email);
    } finally {
      await vendor.stop();
      delete process.env.CONNECTOR_SECRET_VENDOR_Y;
    }
  });
});

describe('where a registration may point', () => {
  const http = (url: string) => ({
    name: 'Somewhere',
    connector: { kind: 'http', url, mode: 'sync', timeoutMs: 1_000 },
    capabilities: ['erase'],
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/latest/meta-data/',
    'http://2852039166/latest/meta-data/',
    'http://127.0.0.1:9001/2018-06-01/runtime/invocation/next',
    'http://localhost:9001/2018-06-01/runtime/invocation/next',
    'http://[::1]:9001/',
    'http://10.0.0.5/hook',
    'http://192.168.1.10/hook',
    'http://[fd00::1]/hook',
    'http://[fe80::1]/hook',
  ])('a webhook at %s: 422 naming connector.url, the URL not echoed, nothing stored', async (url) => {
    const res = await api('PUT', '/v1/systems/inside', { token: tokens.operator, body: http(url) });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'connector.url' });
    expect(JSON.stringify(res.body)).not.toContain(new URL(url).hostname.replace(/^\[|\]$/g, ''));
    const listed = await api('GET', '/v1/systems', { token: tokens.operator });
    expect(listed.body.items.map((s: { systemId: string }) => s.systemId)).not.toContain('inside');
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://127.0.0.1:9001/',
    'http://localhost:9001/',
    'https://10.0.0.5/',
    'https://[fd00::1]/',
  ])('a rest system based at %s: 422 naming connector.baseUrl, the URL not echoed, nothing stored', async (url) => {
    const res = await api('PUT', '/v1/systems/inside-rest', {
      token: tokens.operator,
      body: {
        name: 'Somewhere',
        connector: { kind: 'rest', definition: 'stripe', baseUrl: url, secretRef: 'stripe' },
        capabilities: ['erase'],
        fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
      },
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ field: 'connector.baseUrl' });
    expect(JSON.stringify(res.body)).not.toContain(new URL(url).hostname.replace(/^\[|\]$/g, ''));
    const listed = await api('GET', '/v1/systems', { token: tokens.operator });
    expect(listed.body.items.map((s: { systemId: string }) => s.systemId)).not.toContain('inside-rest');
  });

  it('credentials in a webhook URL: 422 at connector.url, neither user nor password echoed', async () => {
    const res = await api('PUT', '/v1/systems/with-creds', {
      token: tokens.operator,
      body: http('https://svc-user:hunter2-secret@crm.bank.example/hook'),
    });
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ path: 'connector.url' })]);
    expect(JSON.stringify(res.body)).not.toMatch(/svc-user|hunter2/);
  });

  it('a system the runtime started, on its own loopback port, is accepted; another port of the same host is not', async () => {
    const local = await startDemoCrm({ records: [] });
    try {
      allowLocalSystem(local.url);
      expect((await api('PUT', '/v1/systems/local-ok', { token: tokens.operator, body: http(local.url) })).status).toBe(
        201,
      );
      const elsewhere = new URL(local.url);
      elsewhere.port = String(Number(elsewhere.port) === 9001 ? 9002 : 9001);
      const res = await api('PUT', '/v1/systems/local-other', { token: tokens.operator, body: http(elsewhere.href) });
      expect(res.status).toBe(422);
    } finally {
      await local.stop();
    }
  });

  it.each(['ecif', 'consent', 'requests', 'audit'] as const)(
    "a DynamoDB system naming Custodian's own %s table: 422 naming connector.table",
    async (table) => {
      const res = await api('PUT', '/v1/systems/own-table', {
        token: tokens.operator,
        body: {
          name: 'Own table',
          connector: { kind: 'dynamodb', table: runtime.tables[table], keyAttribute: 'PK' },
          capabilities: ['erase'],
          fields: [{ name: 'email', category: 'contact', strategy: 'null' }],
        },
      });
      expect(res.status).toBe(422);
      expect(res.body).toMatchObject({ field: 'connector.table' });
      expect(JSON.stringify(res.body)).not.toContain(runtime.tables[table]);
    },
  );
});
