/**
 * Consent through the HTTP API on the local runtime: the catalog, receipts, notice versions, the
 * CCPA opt-out model, signed decision tokens checked with the published keys, and campaign batches.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecisionToken as verifyWith } from '#client/verify-decision-token.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
let demo: Demo;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 30, seed: 11 });
  for (const role of ['crm', 'auditor', 'operator'] as const) tokens[role] = await signDevToken({ role });
  tokens.customer = await signDevToken({ role: 'customer', sub: 'C000001' });
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

const api = contractClient(() => runtime.apiUrl);
// The local runtime's defaults (functions/config.ts): a deployment sets its own.
const verifyDecisionToken = (token: string, keys: Parameters<typeof verifyWith>[1]) =>
  verifyWith(token, keys, { issuer: 'urn:custodian', audience: 'urn:custodian:local' });

const capture = (
  ecifId: string,
  purpose: string,
  state: string,
  notice: { id: string; version: string } = { id: 'privacy-notice', version: '3' },
  jurisdiction = 'GDPR',
) =>
  api('POST', '/v1/consents', {
    token: tokens.crm,
    body: {
      ecifId,
      choices: [{ purpose, channel: 'email', state }],
      jurisdiction,
      notice,
      method: 'crm',
      evidence: { reference: 'e2e' },
    },
  });
const decide = (ecifId: string, purpose: string, jurisdiction = 'GDPR') =>
  api('POST', '/v1/consent-decisions', {
    token: tokens.crm,
    body: { ecifId, purpose, channel: 'email', jurisdiction },
  });

describe('catalog and receipts', () => {
  it('the catalog is public: purposes with their model per jurisdiction, channels, notices with a text hash', async () => {
    const { status, body } = await api('GET', '/v1/consent/catalog');
    expect(status).toBe(200);
    expect(body.purposes.find((p: { purpose: string }) => p.purpose === 'sale')).toMatchObject({
      model: { GDPR: 'opt_in', CCPA: 'opt_out' },
    });
    expect(body.channels).toContain('any');
    expect(body.notices.find((n: { id: string }) => n.id === 'privacy-notice')).toMatchObject({
      version: '3',
      textHash: expect.stringMatching(/^[a-f0-9]{64}$/),
    });
  });

  it('a capture answers with its receipt, fetched later by the customer it is for, the CRM and an auditor; another customer gets 404', async () => {
    const captured = await capture('C000001', 'analytics', 'granted');
    expect(captured.status).toBe(201);
    const id = captured.body.receiptId;
    expect(captured.body.receipt).toMatchObject({
      version: 'KI-CR-v1.1.0',
      consentReceiptID: id,
      piiPrincipalId: 'C000001',
    });
    for (const token of [tokens.customer, tokens.crm, tokens.auditor]) {
      expect((await api('GET', `/v1/consents/receipts/${id}`, { token })).body).toEqual(captured.body.receipt);
    }
    expect(
      (
        await api('GET', `/v1/consents/receipts/${id}`, {
          token: await signDevToken({ role: 'customer', sub: 'C000002' }),
        })
      ).status,
    ).toBe(404);
    expect((await api('GET', '/v1/consents/receipts/not-a-ulid', { token: tokens.crm })).status).toBe(422);
  });

  it('a notice the catalog does not know is refused (422)', async () => {
    expect((await capture('C000003', 'marketing', 'granted', { id: 'privacy-notice', version: '7' })).status).toBe(422);
  });
});

describe('decisions', () => {
  it('a grant under a notice version a material change outdated is denied until consent is given again', async () => {
    expect((await capture('C000004', 'marketing', 'granted', { id: 'privacy-notice', version: '2' })).status).toBe(201);
    expect((await decide('C000004', 'marketing')).body).toMatchObject({
      decision: 'deny',
      reason: 'notice_version_outdated',
      evidence: { notice: { version: '2' } },
    });
    await capture('C000004', 'marketing', 'granted');
    expect((await decide('C000004', 'marketing')).body).toMatchObject({ decision: 'allow', reason: 'granted' });
  });

  it('CCPA: sale goes on until the consumer opts out (opt-out model); GDPR asks for consent first', async () => {
    expect((await decide('C000005', 'sale', 'CCPA')).body).toMatchObject({
      decision: 'allow',
      reason: 'not_opted_out',
    });
    expect((await decide('C000005', 'sale', 'GDPR')).body).toMatchObject({ decision: 'deny', reason: 'no_consent' });
  });

  it('every decision carries a token anyone can check with the published keys', async () => {
    const keys = (await api('GET', '/v1/consent-decisions/keys')).body;
    const { body } = await decide('C000001', 'analytics');
    expect(await verifyDecisionToken(body.token, keys)).toMatchObject({
      sub: 'C000001',
      pur: 'analytics',
      chn: 'email',
      dec: body.decision,
      rsn: body.reason,
    });
  });

  it('a campaign batch: every subject in order, by ecifId or CRM id, unknown ones denied, each with a token', async () => {
    const inCrm = demo.customers.filter((c) => c.crm).slice(0, 5);
    const subjects = [
      ...demo.customers.map((c) => ({ ecifId: c.ecifId })),
      ...inCrm.map((c) => ({ systemId: 'crm', localId: c.crm!.contactId })),
      { systemId: 'crm', localId: 'CRM-NOPE' },
    ];
    const { status, body } = await api('POST', '/v1/consent-decisions/batch', {
      token: tokens.crm,
      body: { purpose: 'analytics', channel: 'email', subjects },
    });
    expect(status).toBe(200);
    expect(body.items).toHaveLength(subjects.length);
    expect(body.items.map((i: { subject: unknown }) => i.subject)).toEqual(subjects);
    expect(body.items[0]).toMatchObject({ decision: 'allow', reason: 'granted', ecifId: 'C000001' });
    expect(body.items.at(-1)).toMatchObject({ decision: 'deny', reason: 'unknown_subject' });
    const keys = (await api('GET', '/v1/consent-decisions/keys')).body;
    expect((await verifyDecisionToken(body.items[0].token, keys)).sub).toBe('C000001');
  });

  it('a batch over 10,000 subjects is refused (422); only the CRM may ask (403)', async () => {
    const subjects = Array.from({ length: 10_001 }, (_, i) => ({ ecifId: `C${i}` }));
    expect(
      (
        await api('POST', '/v1/consent-decisions/batch', {
          token: tokens.crm,
          body: { purpose: 'analytics', channel: 'email', subjects },
        })
      ).status,
    ).toBe(422);
    expect(
      (
        await api('POST', '/v1/consent-decisions/batch', {
          token: tokens.auditor,
          body: { purpose: 'analytics', channel: 'email', subjects: [{ ecifId: 'C1' }] },
        })
      ).status,
    ).toBe(403);
  });
});

describe('consent changes go out', () => {
  it('an explicit opt-out of sale: decisions deny at once, the CRM gets a signed consent.changed, and the opt-out is pushed to it as a request', async () => {
    const c = demo.customers.find((x) => x.crm && x.ecifId !== 'C000001')!;
    const captured = await capture(c.ecifId, 'sale', 'withdrawn', undefined, 'CCPA');
    expect(captured.status).toBe(201);
    expect(captured.body.optOutRequestId).toEqual(expect.any(String));
    expect((await decide(c.ecifId, 'sale', 'CCPA')).body).toMatchObject({ decision: 'deny', reason: 'opted_out_sale' });
    expect((await decide(c.ecifId, 'third_party_sharing', 'CCPA')).body).toMatchObject({
      decision: 'deny',
      reason: 'opted_out_sharing',
    });

    const event = demo.crm.events.find((e) => e.receiptId === captured.body.receiptId);
    expect(event).toMatchObject({
      type: 'consent.changed',
      ecifId: c.ecifId,
      choices: [{ purpose: 'sale', channel: 'email', state: 'withdrawn' }],
      flags: { optOutSale: true, optOutSharing: true },
    });
    // Ids and choices only: nothing that names the person.
    expect(JSON.stringify(event)).not.toContain(c.email);

    let request: any;
    for (let i = 0; i < 100; i++) {
      request = (await api('GET', `/v1/privacy-requests/${captured.body.optOutRequestId}`, { token: tokens.operator }))
        .body;
      if (request.status === 'completed') break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(request).toMatchObject({
      type: 'opt_out_sale_sharing',
      status: 'completed',
      outcome: { result: 'opted_out' },
    });
    expect(demo.crm.store.get(c.crm!.contactId)?.marketingOptOut).toBe(true);
  });

  it('a grant goes out too, and changes no flag', async () => {
    const captured = await capture('C000006', 'analytics', 'granted');
    expect(captured.body.optOutRequestId).toBeUndefined();
    expect(demo.crm.events.find((e) => e.receiptId === captured.body.receiptId)).toMatchObject({
      choices: [{ purpose: 'analytics', state: 'granted' }],
    });
    expect(demo.crm.events.find((e) => e.receiptId === captured.body.receiptId)).not.toHaveProperty('flags');
  });
});
