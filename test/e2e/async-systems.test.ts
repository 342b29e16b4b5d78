/**
 * Systems that answer later, end to end on the local runtime: the demo marketing platform (an async
 * webhook: 202, then a signed callback), a system that never calls back (the step times out and the
 * request needs attention), and a manual system (an operator attests the work with evidence). The
 * callback route takes only a fresh signature made with the system's secret, and answers a step once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { startDemoCrm } from '#infra/local/demo/crm-service.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { deps } from '#handlers/deps.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
let demo: Demo;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { customers: 12, seed: 42, marketingDelayMs: 100 });
  for (const role of ['steward', 'operator', 'auditor'] as const) tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

const api = contractClient(() => runtime.apiUrl);

type View = { status: string; systems: { systemId: string; state: string; [k: string]: any }[]; [k: string]: any };
const final = (r: View) => !['received', 'in_progress'].includes(r.status);
const waitsForSomeone = (r: View) => !!r.systems?.some((s) => s.state === 'waiting');

/** Polls the request (as an operator) until it is as asked. */
async function settled(id: string, until: (r: View) => boolean = final): Promise<View> {
  for (let i = 0; i < 300; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator });
    if (until(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(
    `the request did not get there: ${JSON.stringify((await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator })).body)}`,
  );
}

/** A signed-in customer's erasure (verified by its login). */
async function erasureBy(ecifId: string, email: string) {
  const token = await signDevToken({ role: 'customer', sub: ecifId });
  const submitted = await api('POST', '/v1/privacy-requests', {
    token,
    body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } },
  });
  expect(submitted.status).toBe(202);
  return submitted.body.id as string;
}

const emailOf = (ecifId: string) => `${ecifId.toLowerCase()}@example.net`;

/** A new customer known to one system, through the steward's API. */
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

function callback(requestId: string, systemId: string, body: Record<string, unknown>, signature?: string) {
  const text = JSON.stringify(body);
  return fetch(`${runtime.apiUrl}/v1/callbacks/${requestId}/${systemId}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(signature !== undefined ? { [SIGNATURE_HEADER]: signature } : {}),
    },
    body: text,
  });
}

/** A callback's signature as a system makes it: POST, the callback's path (request and system), the body. */
const signCallback = (secret: string, requestId: string, systemId: string, body: string, at?: Date) =>
  sign(secret, { method: 'POST', path: `/v1/callbacks/${requestId}/${systemId}`, body }, at);

describe('an async system (the demo marketing platform)', () => {
  let requestId: string;
  const subject = () => demo.customers.find((c) => c.ecifId === 'C000002')!;

  it('accepts the erasure, calls back, and the request completes with a read-back proof', async () => {
    expect(subject().marketing).toBeDefined();
    requestId = await erasureBy('C000002', subject().email);
    const done = await settled(requestId);
    expect(done.status).toBe('completed');
    const marketing = done.systems.find((s: { systemId: string }) => s.systemId === 'marketing');
    expect(marketing).toMatchObject({
      state: 'succeeded',
      attempts: 1,
      proof: { verified: true, verification: 'webhook-verify' },
    });
    expect(marketing).not.toHaveProperty('waiting');
    // The platform received the data from us: it is a recipient, told of the erasure (GDPR Art. 19).
    expect(done.outcome.recipientsNotified).toEqual(['marketing']);
    // The platform's own store changed, and it was told so by its callback's 200.
    const profile = demo.marketing.store.get(subject().marketing!.contactId)!;
    expect(profile.firstName).not.toBe(subject().marketing!.firstName);
    expect(profile.email).not.toBe(subject().marketing!.email);
    expect(demo.marketing.callbacksSent).toContainEqual({ requestId, status: 200 });
    const actions = (await (await deps()).audit.stream(`request:${requestId}`))
      .filter((e) => e.target.systemId === 'marketing')
      .map((e) => e.action);
    expect(actions).toEqual(['request.system_waiting', 'request.system_succeeded']);
  });

  it('a callback unsigned, signed with another key (the shared one too), stale, or for another path is 401 and changes nothing', async () => {
    const body = { idempotencyKey: `${requestId}:marketing:erase:erase`, status: 'failed', error: 'forged' };
    const text = JSON.stringify(body);
    const own = demo.seeded.signingKeys.marketing!;
    for (const signature of [
      undefined,
      signCallback('not-the-secret', requestId, 'marketing', text),
      signCallback(runtime.env.CONNECTOR_SIGNING_SECRET, requestId, 'marketing', text),
      signCallback(own, requestId, 'marketing', text, new Date(Date.now() - 10 * 60_000)),
      signCallback(own, requestId, 'crm', text),
      sign(own, { method: 'POST', path: '/webhook', body: text }),
    ]) {
      const res = await callback(requestId, 'marketing', body, signature);
      expect(res.status).toBe(401);
      expect(((await res.json()) as { type: string }).type).toMatch(/unauthenticated/);
    }
    const after = await api('GET', `/v1/privacy-requests/${requestId}`, { token: tokens.operator });
    expect(after.body.systems.find((s: { systemId: string }) => s.systemId === 'marketing').state).toBe('succeeded');
  });

  it('a replay of a good callback, once the step is answered, is a 409', async () => {
    const body = JSON.stringify({
      idempotencyKey: `${requestId}:marketing:erase:erase`,
      status: 'succeeded',
      recordsAffected: 1,
    });
    const res = await callback(
      requestId,
      'marketing',
      JSON.parse(body),
      signCallback(demo.seeded.signingKeys.marketing!, requestId, 'marketing', body),
    );
    expect(res.status).toBe(409);
  });

  it('a system that accepts and never calls back: the step times out and the request needs attention', async () => {
    const silent = await startDemoCrm({ records: [], callbacks: { delayMs: 50 } });
    allowLocalSystem(silent.url);
    silent.withholdCallbacks(true);
    try {
      const put = await api('PUT', '/v1/systems/slow-marketing', {
        token: tokens.operator,
        body: {
          name: 'A marketing tool that never answers',
          connector: {
            kind: 'http',
            url: silent.url,
            mode: 'async',
            timeoutMs: 2_000,
            callbackTimeoutSeconds: 2,
          },
          capabilities: ['erase'],
          fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        },
      });
      expect(put.status).toBeLessThan(300);
      silent.useSecret(put.body.signingSecret);
      await customerIn('C900001', 'slow-marketing', 'MKT-NONE');
      const id = await erasureBy('C900001', emailOf('C900001'));
      const done = await settled(id);
      expect(done.status).toBe('needs_attention');
      expect(done.outcome.reasons).toEqual([expect.stringMatching(/^slow-marketing: States\.(Heartbeat)?Timeout$/)]);
      expect(done.systems[0]).toMatchObject({ systemId: 'slow-marketing', state: 'failed' });
    } finally {
      await silent.stop();
    }
  });
});

describe('a system with its own secret (connector.secretRef)', () => {
  it('is called and calls back under its own key; the deployment-wide key is refused for it', async () => {
    const own = 'vendor-own-secret-0123456789abcdef';
    process.env.CONNECTOR_SECRET_VENDOR_X = own;
    const vendor = await startDemoCrm({
      secret: own,
      records: [{ ...demo.customers[0].crm!, contactId: 'VX-1' }],
      callbacks: { delayMs: 50 },
    });
    allowLocalSystem(vendor.url);
    try {
      const put = await api('PUT', '/v1/systems/vendor-x', {
        token: tokens.operator,
        body: {
          name: 'Vendor X',
          connector: { kind: 'http', url: vendor.url, mode: 'async', secretRef: 'vendor_x', timeoutMs: 2_000 },
          capabilities: ['erase', 'verify'],
          fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        },
      });
      expect(put.status).toBeLessThan(300);
      await customerIn('C900003', 'vendor-x', 'VX-1');
      const id = await erasureBy('C900003', emailOf('C900003'));
      const done = await settled(id);
      expect(done).toMatchObject({
        status: 'completed',
        systems: [{ systemId: 'vendor-x', state: 'succeeded', proof: { verified: true } }],
      });
      expect(vendor.stats().rejected).toBe(0);
      const body = JSON.stringify({ idempotencyKey: `${id}:vendor-x:erase:erase`, status: 'succeeded' });
      expect(
        (
          await callback(
            id,
            'vendor-x',
            JSON.parse(body),
            signCallback(runtime.env.CONNECTOR_SIGNING_SECRET, id, 'vendor-x', body),
          )
        ).status,
      ).toBe(401);
      expect((await callback(id, 'vendor-x', JSON.parse(body), signCallback(own, id, 'vendor-x', body))).status).toBe(
        409,
      );
      // Across a rotation the key it replaced is still the system's (409: authenticated, the step is answered).
      const rotated = 'vendor-rotated-secret-fedcba9876543210';
      Object.assign(process.env, { CONNECTOR_SECRET_VENDOR_X: rotated, CONNECTOR_SECRET_VENDOR_X_PREVIOUS: own });
      const signedBy = (key: string) => signCallback(key, id, 'vendor-x', body);
      expect((await callback(id, 'vendor-x', JSON.parse(body), signedBy(rotated))).status).toBe(409);
      expect((await callback(id, 'vendor-x', JSON.parse(body), signedBy(own))).status).toBe(409);
      delete process.env.CONNECTOR_SECRET_VENDOR_X_PREVIOUS;
      expect((await callback(id, 'vendor-x', JSON.parse(body), signedBy(own))).status).toBe(401);
    } finally {
      await vendor.stop();
      delete process.env.CONNECTOR_SECRET_VENDOR_X;
      delete process.env.CONNECTOR_SECRET_VENDOR_X_PREVIOUS;
    }
  });
});

describe('a manual system', () => {
  let requestId: string;

  beforeAll(async () => {
    const put = await api('PUT', '/v1/systems/paper-archive', {
      token: tokens.operator,
      body: {
        name: 'Branch paper archive',
        connector: { kind: 'manual', timeoutDays: 5 },
        capabilities: ['erase'],
        fields: [{ name: 'letters', category: 'other', strategy: 'delete_row' }],
      },
    });
    expect(put.status).toBeLessThan(300);
    await customerIn('C900002', 'paper-archive', 'BOX-17');
    requestId = await erasureBy('C900002', emailOf('C900002'));
  });

  it('waits for an operator, showing until when (never the task token)', async () => {
    const waiting = await settled(requestId, waitsForSomeone);
    expect(waiting.status).toBe('in_progress');
    expect(waiting.systems[0]).toMatchObject({
      systemId: 'paper-archive',
      state: 'waiting',
      waiting: { for: 'operator', until: expect.any(String) },
    });
    expect(JSON.stringify(waiting)).not.toMatch(/token/i);
  });

  it('only an operator closes it, with evidence; then the request completes, the attestation as proof', async () => {
    const path = `/v1/privacy-requests/${requestId}/systems/paper-archive/complete`;
    const customer = await signDevToken({ role: 'customer', sub: 'C900002' });
    expect(
      (await api('POST', path, { token: customer, body: { outcome: 'done', evidence: { reference: 'TICKET-1' } } }))
        .status,
    ).toBe(403);
    expect((await api('POST', path, { token: tokens.operator, body: { outcome: 'done' } })).status).toBe(422);

    const done = await api('POST', path, {
      token: tokens.operator,
      body: { outcome: 'done', evidence: { reference: 'SHRED-2026-118' }, recordsAffected: 2 },
    });
    expect(done.status).toBe(200);
    expect(done.body).toEqual({ systemId: 'paper-archive', state: 'succeeded' });
    const request = await settled(requestId);
    expect(request.status).toBe('completed');
    expect(request.systems[0]).toMatchObject({
      state: 'succeeded',
      proof: { recordsAffected: 2, verification: 'operator-attested', evidence: 'SHRED-2026-118' },
    });
    // Answered once: a second completion is a conflict.
    expect(
      (
        await api('POST', path, {
          token: tokens.operator,
          body: { outcome: 'done', evidence: { reference: 'SHRED-2026-118' } },
        })
      ).status,
    ).toBe(409);
  });
});
