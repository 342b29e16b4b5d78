/**
 * Never twice, never leaked, on the local runtime: Idempotency-Key on the write routes (the same key
 * and body answer the first answer, another body a 422, keys scoped to their caller, anonymous ones
 * to the source address), sealed cursors, the raw bytes of a body, and answers that name no one.
 */
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routeTable } from '#handlers/http/routes.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, webPages: false });
  for (const role of ['crm', 'steward', 'operator', 'auditor'] as const) tokens[role] = await signDevToken({ role });
  tokens.otherCrm = await signDevToken({ role: 'crm', sub: 'another-crm-client' });
  tokens.customer = await signDevToken({ role: 'customer', sub: 'C910001' });
  for (const ecifId of ['C910001', 'C910002']) {
    const put = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
      token: tokens.steward,
      body: { name: { given: 'Test', family: 'Subject' }, emails: [`${ecifId.toLowerCase()}@example.org`] },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
  }
}, 120_000);
afterAll(async () => runtime?.stop());

const api = contractClient(() => runtime.apiUrl);
const key = (name: string) => ({ 'idempotency-key': `${name}-${Date.now()}-key` });

const consent = (ecifId: string, purpose = 'analytics') => ({
  ecifId,
  choices: [{ purpose, channel: 'email', state: 'granted' }],
  jurisdiction: 'GDPR',
  notice: { id: 'privacy-notice', version: '3' },
  method: 'crm',
  evidence: { reference: 'idempotency-e2e' },
});

const history = async (ecifId: string) =>
  (await api('GET', `/v1/subjects/${ecifId}/consents/history?limit=500`, { token: tokens.auditor })).body.items;

/** A POST from a chosen loopback address (the whole of 127/8 is this machine): another anonymous caller. */
function postFrom(localAddress: string, path: string, body: unknown, headers: Record<string, string>) {
  const url = new URL(path, runtime.apiUrl);
  return new Promise<{ status: number; headers: Record<string, unknown>; body: any }>((resolve, reject) => {
    const req = httpRequest(
      url,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: JSON.parse(text) }));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('Idempotency-Key', () => {
  it('every write route honours it (reads over POST do not need to)', () => {
    const reads = new Set(['decide-consent', 'decide-consent-batch', 'resolve-ecif-customer']);
    for (const row of routeTable.filter((r) => r.method !== 'GET' && !reads.has(r.handler)))
      expect('idempotent' in row && row.idempotent, row.handler).toBe(true);
  });

  it('POST /v1/consents: the same key and body give the first receipt, written once; another body is a 422', async () => {
    const headers = key('consent');
    const first = await api('POST', '/v1/consents', { token: tokens.crm, body: consent('C910001'), headers });
    const again = await api('POST', '/v1/consents', { token: tokens.crm, body: consent('C910001'), headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.receiptId).toBe(first.body.receiptId);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(first.headers.get('idempotent-replayed')).toBeNull();
    const other = await api('POST', '/v1/consents', {
      token: tokens.crm,
      body: consent('C910001', 'marketing'),
      headers,
    });
    expect(other.status).toBe(422);
    expect(other.body.type).toBe('https://custodian.dev/problems/idempotency-key-reused');
    expect((await history('C910001')).filter((e: { purpose: string }) => e.purpose === 'analytics')).toHaveLength(1);
  });

  it('the same key sent five times at once: one write; each answer is the first answer or a 409 to retry', async () => {
    const headers = key('race');
    const body = consent('C910001', 'marketing');
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => api('POST', '/v1/consents', { token: tokens.crm, body, headers })),
    );
    expect(answers.every((a) => a.status === 201 || a.status === 409)).toBe(true);
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.receiptId)).size).toBe(1);
    expect((await history('C910001')).filter((e: { purpose: string }) => e.purpose === 'marketing')).toHaveLength(1);
  });

  it("a key is its caller's own: another client replaying key and body gets an answer of its own", async () => {
    const headers = key('scoped');
    const first = await api('POST', '/v1/consents', { token: tokens.crm, body: consent('C910002'), headers });
    const theirs = await api('POST', '/v1/consents', { token: tokens.otherCrm, body: consent('C910002'), headers });
    expect(theirs.status).toBe(201);
    expect(theirs.body.receiptId).not.toBe(first.body.receiptId);
    expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    const mine = await api('POST', '/v1/consents', { token: tokens.crm, body: consent('C910002'), headers });
    expect(mine.body.receiptId).toBe(first.body.receiptId);
  });

  it('anonymous submissions: scoped to the source address, so another address never gets the request back', async () => {
    const body = { type: 'erasure', jurisdiction: 'CCPA', identifiers: { email: 'nobody-scoped@example.org' } };
    const headers = key('anonymous');
    const first = await postFrom('127.0.0.1', '/v1/privacy-requests', body, headers);
    const stranger = await postFrom('127.0.0.2', '/v1/privacy-requests', body, headers);
    const retry = await postFrom('127.0.0.1', '/v1/privacy-requests', body, headers);
    expect([first.status, stranger.status, retry.status]).toEqual([202, 202, 202]);
    expect(stranger.body.id).not.toBe(first.body.id);
    expect(stranger.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.id).toBe(first.body.id);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // The requester key is shown once: it is not kept with the answer.
    expect(first.body.requesterKey).toEqual(expect.any(String));
    expect(retry.body).not.toHaveProperty('requesterKey');
  });

  it('a state change replayed answers its first answer instead of a 409', async () => {
    const submitted = await api('POST', '/v1/privacy-requests', {
      token: tokens.operator,
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: 'nobody-cancel@example.org' } },
    });
    expect(submitted.status).toBe(202);
    const headers = key('cancel');
    const path = `/v1/privacy-requests/${submitted.body.id}/cancel`;
    const first = await api('POST', path, { token: tokens.operator, headers });
    const again = await api('POST', path, { token: tokens.operator, headers });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    // Without the key, the same cancel is what it is: the request is no longer cancellable.
    expect((await api('POST', path, { token: tokens.operator })).status).toBe(409);
  });

  it.each([
    [
      'PUT',
      '/v1/ecif/customers/C910003',
      'steward',
      { name: { given: 'A', family: 'B' }, emails: ['c910003@example.org'] },
    ],
    [
      'PUT',
      '/v1/systems/idempotent-archive',
      'operator',
      {
        name: 'Archive',
        connector: { kind: 'manual', timeoutDays: 5 },
        capabilities: ['erase'],
        fields: [{ name: 'letters', category: 'other', strategy: 'delete_row' }],
      },
    ],
    ['PUT', '/v1/subjects/C910002/legal-hold', 'operator', { reason: 'litigation pending', reference: 'CASE-77' }],
  ] as const)('%s %s: replayed with the same key, refused with another body', async (method, path, role, body) => {
    const headers = key('route');
    const first = await api(method, path, { token: tokens[role], body, headers });
    const again = await api(method, path, { token: tokens[role], body, headers });
    expect(first.status).toBeLessThan(300);
    expect([again.status, again.body]).toEqual([first.status, first.body]);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const changed = await api(method, path, { token: tokens[role], body: { ...body, unknownField: 1 }, headers });
    expect(changed.status).toBe(422);
  });

  it('a key that is not 8 to 200 visible characters is a 422, and nothing is written', async () => {
    const before = await history('C910002');
    const bad = await api('POST', '/v1/consents', {
      token: tokens.crm,
      body: consent('C910002', 'marketing'),
      headers: { 'idempotency-key': 'short' },
    });
    expect(bad.status).toBe(422);
    expect(await history('C910002')).toEqual(before);
  });
});

describe('leaks and five hundreds', () => {
  it("the issue's crafted history cursor is a 422, not a 500", async () => {
    const crafted = Buffer.from(JSON.stringify({ PK: 'SUBJ#C910001', SK: 'EVT#x', extra: 'y' })).toString('base64url');
    const r = await api('GET', `/v1/subjects/C910001/consents/history?cursor=${crafted}`, { token: tokens.auditor });
    expect(r.status).toBe(422);
  });

  it('a JSON body that is not valid UTF-8 is a 400 from the chain, and nothing is stored', async () => {
    const body = Buffer.concat([
      Buffer.from('{"type":"erasure","jurisdiction":"CCPA","identifiers":{"email":"bad'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('@example.org"}}'),
    ]);
    const res = await fetch(`${runtime.apiUrl}/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { type: string }).type).toBe('https://custodian.dev/problems/malformed-body');
  });

  it("another customer's receipt and an unknown receipt are the same answer", async () => {
    const captured = await api('POST', '/v1/consents', { token: tokens.crm, body: consent('C910002', 'sale') });
    const theirs = await api('GET', `/v1/consents/receipts/${captured.body.receiptId}`, { token: tokens.customer });
    const unknown = await api('GET', '/v1/consents/receipts/01J00000000000000000000000', { token: tokens.customer });
    expect(theirs.status).toBe(404);
    expect(theirs.body).toEqual({ ...unknown.body });
  });

  it('a 422 names where an unknown key is, never the key; instance is the route, never the ids', async () => {
    const r = await api('PUT', '/v1/ecif/customers/C910009', {
      token: tokens.steward,
      body: { name: { given: 'A', family: 'B', 'jane.doe@example.com': 1 } },
    });
    expect(r.status).toBe(422);
    expect(JSON.stringify(r.body)).not.toContain('jane.doe');
    expect(JSON.stringify(r.body)).not.toContain('C910009');
    expect(r.body.instance).toBe('/v1/ecif/customers/{ecifId}');
    expect(r.body.errors).toContainEqual({
      path: 'name',
      message: 'a key this object does not take',
      code: 'unrecognized_keys',
    });
  });
});
