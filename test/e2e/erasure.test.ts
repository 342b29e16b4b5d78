/**
 * The spine, end to end and for real: the local runtime (DynamoDB Local with the synthesized
 * tables, the synthesized state machine on the local Step Functions endpoint, the HTTP gateway)
 * and the demo systems (a CRM behind a signed webhook, a core-banking DynamoDB table), driven
 * only through the HTTP API as a steward, a requester, a CRM and an operator would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { verifyChain, type AuditEvent } from '#core/audit/event.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { CRM_SYSTEM_ID } from '#infra/local/demo/customers.ts';
import { coreBankingSystem, crmSystem } from '#infra/local/demo/systems.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { deps } from '#handlers/deps.ts';
import { contractClient } from '../support/contract.ts';
import { codeFromMailbox } from '../support/requester.ts';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import { redriveUnfinished } from '#core/requests/redrive.ts';
import { newId } from '#core/shared/ids.ts';

let runtime: LocalRuntime;
let demo: Demo;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 12, seed: 42 });
  for (const role of ['steward', 'operator', 'crm', 'auditor'] as const) tokens[role] = await signDevToken({ role });
  tokens.customer = await signDevToken({ role: 'customer', sub: 'C000001' });
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

const api = contractClient(() => runtime.apiUrl);

/** An anonymous requester's erasure, verified by the code sent to the email on file, run to its end. */
async function erase(email: string) {
  const submitted = await api('POST', '/v1/privacy-requests', {
    body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } },
  });
  expect(submitted.status).toBe(202);
  const code = await codeFromMailbox(runtime.apiUrl, email, submitted.body.id);
  const verified = await api('POST', `/v1/privacy-requests/${submitted.body.id}/verification`, { body: { code } });
  expect(verified.status).toBe(200);
  await runtime.sfn.waitForExecution(executionArn(submitted.body.id));
  const done = await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: tokens.operator });
  expect(done.status).toBe(200);
  return { submitted: submitted.body, done: done.body };
}

const executionArn = (name: string) =>
  `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;

async function settled(id: string, token = tokens.operator) {
  for (let i = 0; i < 200; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token });
    if (!['received', 'in_progress'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the request did not settle');
}

async function ecifItem(ecifId: string) {
  const { Item } = await runtime.dynamo.client.send(
    new GetItemCommand({
      TableName: runtime.tables.ecif,
      Key: { PK: { S: `CUST#${ecifId}` }, SK: { S: 'PROFILE' } },
      ConsistentRead: true,
    }),
  );
  return Item ? unmarshall(Item) : undefined;
}

/** Through the audit adapter, as the auditor's export will read it. */
async function auditStream(stream: string): Promise<AuditEvent[]> {
  return (await deps()).audit.stream(stream);
}

async function itemCount(table: string) {
  return (await runtime.dynamo.client.send(new ScanCommand({ TableName: table, Select: 'COUNT' }))).Count ?? 0;
}

describe('the erasure path', () => {
  it('GET /health answers with the version and each dependency', async () => {
    const res = await api('GET', '/health');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      version: expect.any(String),
      dependencies: { ecif: { status: 'up' } },
    });
  });

  it('a steward upserts a customer with identifiers and cross-references', async () => {
    const subject = demo.customers[2];
    const res = await api('PUT', `/v1/ecif/customers/${subject.ecifId}`, {
      token: tokens.steward,
      body: subject.input,
    });
    expect(res.status).toBe(200); // seeded at start: this is the replace path
    expect(res.body).toMatchObject({
      ecifId: subject.ecifId,
      created: false,
      crossReferences: subject.input.crossReferences.length,
    });
    const item = await ecifItem(subject.ecifId);
    expect(item?.status).toBe('active');
    // The identity index is keyed by hashes: no key anywhere holds the email in clear.
    const { Items = [] } = await runtime.dynamo.client.send(
      new ScanCommand({ TableName: runtime.tables.ecif, ProjectionExpression: 'PK, SK' }),
    );
    expect(JSON.stringify(Items)).not.toContain(subject.email);
  });

  it('shows a steward or an operator the golden record it maintains, each read audited by who, not what', async () => {
    const subject = demo.customers[3];
    const from = new Date(Date.now() - 60_000).toISOString();
    const res = await api('GET', `/v1/ecif/customers/${subject.ecifId}`, { token: tokens.steward });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      ecifId: subject.ecifId,
      status: 'active',
      name: subject.input.name,
      emails: [subject.email],
    });
    expect(res.body.crossReferences.map((x: { systemId: string }) => x.systemId).sort()).toEqual(
      subject.input.crossReferences.map((x) => x.systemId).sort(),
    );
    expect(res.body).not.toHaveProperty('identities');
    expect((await api('GET', `/v1/ecif/customers/${subject.ecifId}`, { token: tokens.operator })).status).toBe(200);
    for (const role of ['crm', 'auditor'] as const)
      expect((await api('GET', `/v1/ecif/customers/${subject.ecifId}`, { token: tokens[role] })).status).toBe(403);
    expect((await api('GET', '/v1/ecif/customers/NOBODY-HERE', { token: tokens.steward })).status).toBe(404);
    expect((await api('GET', '/v1/ecif/customers/not%20an%20id', { token: tokens.steward })).status).toBe(422);

    const trail = await api('GET', `/v1/audit/events?from=${encodeURIComponent(from)}&ecifId=${subject.ecifId}`, {
      token: tokens.auditor,
    });
    const reads = trail.body.items.filter((e: { action: string }) => e.action === 'ecif.read');
    expect(reads.map((e: { actor: { role: string } }) => e.actor.role)).toEqual(['steward', 'operator']);
    expect(JSON.stringify(reads)).not.toContain(subject.email);
  });

  it('resolves a customer by any identifier or a system’s local id, for stewards and operators only', async () => {
    const subject = demo.customers[2];
    const crm = subject.input.crossReferences.find((x) => x.systemId === 'crm')!;
    for (const body of [
      { email: subject.email.toUpperCase() },
      { systemRef: { systemId: 'crm', localId: crm.localId } },
      { phone: subject.input.phones[0] },
    ]) {
      const res = await api('POST', '/v1/ecif/resolve', { token: tokens.operator, body });
      expect(res.status, JSON.stringify(body)).toBe(200);
      expect(res.body.ecifId).toBe(subject.ecifId);
      expect(res.body.crossReferences).toContainEqual(
        expect.objectContaining({ systemId: 'crm', localId: crm.localId }),
      );
    }
    expect(
      (
        await api('POST', '/v1/ecif/resolve', {
          token: tokens.steward,
          body: { email: subject.email, phone: demo.customers[3].input.phones[0] },
        })
      ).status,
    ).toBe(404);
    expect((await api('POST', '/v1/ecif/resolve', { token: tokens.crm, body: { email: subject.email } })).status).toBe(
      403,
    );
    expect((await api('POST', '/v1/ecif/resolve', { token: tokens.steward, body: {} })).status).toBe(422);
  });

  it('erases a customer everywhere: CRM, core banking, ECIF, consent, with a per-system outcome and an audit trail', async () => {
    // The sync systems' path (the async marketing platform's is in async-systems.test.ts).
    const subject = demo.customers.find((c) => c.crm && c.coreBanking && !c.marketing && c.ecifId !== 'C000001')!;
    expect(demo.crm.store.get(subject.crm!.contactId)?.email).toBe(subject.crm!.email);

    const { submitted, done } = await erase(subject.email);
    expect(submitted).toMatchObject({
      id: expect.any(String),
      status: 'pending_verification',
      receivedAt: expect.any(String),
      dueAt: expect.any(String),
    });
    expect(submitted.verification).toMatchObject({ state: 'pending', method: 'code' });
    expect(submitted).not.toHaveProperty('identityKeys');
    expect(submitted).not.toHaveProperty('ecifId');

    expect(done.status).toBe('completed');
    expect(done.ecifId).toBe(subject.ecifId);
    const bySystem = Object.fromEntries(done.systems.map((s: { systemId: string }) => [s.systemId, s]));
    expect(bySystem.crm).toMatchObject({ state: 'succeeded', proof: { verified: true } });
    expect(bySystem['core-banking']).toMatchObject({ state: 'succeeded', proof: { verified: true } });
    const retained = coreBankingSystem()
      .fields!.filter((f) => f.strategy === 'retain')
      .map((f) => f.name);
    expect(retained).toContain('accountNumber');
    expect(bySystem['core-banking'].exemptions.map((e: { field: string }) => e.field).sort()).toEqual(
      [...retained].sort(),
    );

    // The CRM no longer holds the customer's personal data.
    const contact = demo.crm.store.get(subject.crm!.contactId);
    const crmText = JSON.stringify(contact ?? {});
    for (const value of [subject.crm!.email, subject.crm!.phone, subject.crm!.lastName])
      expect(crmText).not.toContain(value);

    // Core banking: erased fields changed, AML-retained fields kept.
    const { Item } = await runtime.dynamo.client.send(
      new GetItemCommand({
        TableName: demo.coreBankingTable,
        Key: { accountId: { S: subject.coreBanking!.accountId } },
        ConsistentRead: true,
      }),
    );
    const account = unmarshall(Item!);
    for (const field of retained) expect(account[field]).toEqual(subject.coreBanking![field as keyof typeof account]);
    for (const field of ['holderName', 'email', 'phone', 'dateOfBirth'] as const)
      expect(account[field]).not.toBe(subject.coreBanking![field]);

    // The golden record is anonymized and its identities suppressed: a steward cannot bring them back.
    const golden = await ecifItem(subject.ecifId);
    expect(golden?.status).toBe('erased');
    expect(JSON.stringify(golden)).not.toContain(subject.email);
    const again = await api('PUT', `/v1/ecif/customers/${subject.ecifId}`, {
      token: tokens.steward,
      body: subject.input,
    });
    expect(again.status).toBe(409);
    const reused = await api('PUT', '/v1/ecif/customers/C999999', {
      token: tokens.steward,
      body: { ...subject.input, crossReferences: [] },
    });
    expect(reused.status).toBe(409);
    expect(reused.body.detail).not.toContain(subject.email);

    // Consent is set to erased: the CRM is told no.
    const decision = await api('POST', '/v1/consent-decisions', {
      token: tokens.crm,
      body: { ecifId: subject.ecifId, purpose: 'marketing', channel: 'email' },
    });
    expect(decision.status).toBe(200);
    expect(decision.body).toMatchObject({ decision: 'deny' });

    // Every step wrote an audit event, chained, with no identifier in clear.
    const trail = await auditStream(`request:${submitted.id}`);
    expect(trail.map((e) => e.action)).toEqual([
      'request.received',
      'request.verified',
      'request.started',
      'request.subject_resolved',
      'request.planned',
      'request.system_succeeded',
      'request.system_succeeded',
      // The AML-retained fields get their follow-up erasure (test/e2e/exemptions.test.ts runs it).
      'request.follow_up_scheduled',
      'request.finalized',
    ]);
    expect(verifyChain(trail), JSON.stringify(verifyChain(trail))).toBeUndefined();
    expect(JSON.stringify(trail)).not.toContain(subject.email);
  });

  it('retries a system that fails transiently, and completes', async () => {
    const subject = demo.customers.find(
      (c) => c.crm && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    demo.crm.failNext(2, 503);
    const { done } = await erase(subject.email);
    expect(done.status).toBe('completed');
    expect(done.systems.find((s: { systemId: string }) => s.systemId === 'crm')).toMatchObject({
      state: 'succeeded',
      attempts: 3,
    });
  });

  it('a system that does the work but answers after its timeout: retried under the same idempotency key, applied once, completed', async () => {
    const subject = demo.customers.find(
      (c) =>
        c.crm && !c.marketing && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    const register = (timeoutMs: number) =>
      api('PUT', `/v1/systems/${CRM_SYSTEM_ID}`, {
        token: tokens.operator,
        body: { ...crmSystem(demo.crm.url), connector: { kind: 'http', url: demo.crm.url, mode: 'sync', timeoutMs } },
      });
    expect((await register(300)).status).toBe(200);
    const before = demo.crm.stats();
    demo.crm.slowNext(1, 1_000);
    try {
      const { done } = await erase(subject.email);
      expect(done.status).toBe('completed');
      expect(done.systems.find((s: { systemId: string }) => s.systemId === CRM_SYSTEM_ID)).toMatchObject({
        state: 'succeeded',
        attempts: 2,
        lastError: { name: 'TransientSystemError' },
      });
      // The timed-out call erased the contact; the retry got its first answer back, and changed nothing more.
      const after = demo.crm.stats();
      expect(after.replays - before.replays).toBe(1);
      expect(demo.crm.store.get(subject.crm!.contactId)?.email).not.toBe(subject.crm!.email);
      const trail = (await auditStream(`request:${done.id}`)).map((e) => e.action);
      expect(trail.filter((a) => a === 'request.system_retrying')).toHaveLength(1);
      expect(trail.filter((a) => a === 'request.system_succeeded')).toHaveLength(done.systems.length);
    } finally {
      expect((await register(5_000)).status).toBe(200);
    }
  });

  it('the same request executed twice at once: one outcome, each system erased once, one success per system in the trail', async () => {
    const subject = demo.customers.find(
      (c) =>
        c.crm && !c.marketing && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    const before = demo.crm.stats();
    const token = await signDevToken({ role: 'customer', sub: subject.ecifId });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id;
    // A second execution of the same request, started while the first runs (a duplicate start, a re-drive racing it).
    await (await deps()).workflow.start(id, 'again');
    await Promise.all([
      runtime.sfn.waitForExecution(executionArn(id)),
      runtime.sfn.waitForExecution(executionArn(`${id}-again`)),
    ]);
    const done = (await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator })).body;
    expect(done.status).toBe('completed');
    expect(done.systems.every((s: { state: string }) => s.state === 'succeeded')).toBe(true);
    // The CRM carried the erasure out once: the other execution's call, if it made one, was a replay of the same key.
    const after = demo.crm.stats();
    expect(after.carriedOut - before.carriedOut).toBe(1);
    expect(after.replays - before.replays).toBeLessThanOrEqual(1);
    expect(demo.crm.store.get(subject.crm!.contactId)?.email).not.toBe(subject.crm!.email);
    const trail = (await auditStream(`request:${id}`)).map((e) => e.action);
    expect(trail.filter((a) => a === 'request.started')).toHaveLength(1);
    expect(trail.filter((a) => a === 'request.subject_resolved')).toHaveLength(1);
    expect(trail.filter((a) => a === 'request.system_succeeded')).toHaveLength(done.systems.length);
    expect(trail.filter((a) => a === 'request.finalized')).toHaveLength(1);
    expect(verifyChain(await auditStream(`request:${id}`))).toBeUndefined();
  });

  it('records a system that keeps failing, goes on, and keeps the golden record for the retry', async () => {
    const subject = demo.customers.find(
      (c) =>
        c.crm && c.coreBanking && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    demo.crm.failNext(50, 500);
    const { done } = await erase(subject.email);
    demo.crm.failNext(0);
    expect(done.status).toBe('needs_attention');
    expect(done.systems.find((s: { systemId: string }) => s.systemId === 'crm')).toMatchObject({
      state: 'failed',
      lastError: { name: 'TransientSystemError' },
    });
    expect((await ecifItem(subject.ecifId))?.status).toBe('active');

    // The queue shows it; an operator retries the failed system only, and the request completes.
    const queue = await api('GET', '/v1/privacy-requests?status=needs_attention', { token: tokens.operator });
    expect(queue.body.items.map((r: { id: string }) => r.id)).toContain(done.id);
    const retried = await api('POST', `/v1/privacy-requests/${done.id}/retry`, { token: tokens.operator });
    expect(retried.status).toBe(202);
    const after = await settled(done.id);
    expect(after.status).toBe('completed');
    const bySystem = Object.fromEntries(after.systems.map((s: { systemId: string }) => [s.systemId, s]));
    expect(bySystem.crm.state).toBe('succeeded');
    // The system that had succeeded was not called again.
    expect(bySystem['core-banking'].attempts).toBe(1);
    expect((await api('POST', `/v1/privacy-requests/${done.id}/retry`, { token: tokens.operator })).status).toBe(409);
  });

  it('a system down for a long spell: the request waits, and the deadline sweeper runs it again once the system is back', async () => {
    const subject = demo.customers.find(
      (c) =>
        c.crm && !c.marketing && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    demo.crm.failNext(1000, 503);
    const { done } = await erase(subject.email);
    expect(done.status).toBe('needs_attention');
    const { handler: sweep } = await import('#handlers/scheduled/request-deadlines.ts');
    // Still down: the sweep runs it again, and it needs attention again (nothing lost, nothing done twice).
    expect((await sweep()).retried).toBeGreaterThanOrEqual(1);
    expect((await settled(done.id)).status).toBe('needs_attention');
    // Back up: the next sweep completes it, within its deadline, with no operator.
    demo.crm.failNext(0);
    expect((await sweep()).retried).toBeGreaterThanOrEqual(1);
    const after = await settled(done.id);
    expect(after.status).toBe('completed');
    expect(after.systems.find((s: { systemId: string }) => s.systemId === 'crm')).toMatchObject({
      state: 'succeeded',
      proof: { verified: true },
    });
    const trail = (await auditStream(`request:${done.id}`)).map((e) => e.action);
    expect(trail.filter((a) => a === 'request.retried')).toHaveLength(2);
    expect(trail.at(-1)).toBe('request.finalized');
  });

  it('answers "we hold no data" to a signed-in customer the ECIF does not know', async () => {
    const stranger = await signDevToken({ role: 'customer', sub: 'C999990' });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token: stranger,
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: 'stranger@example.org' } },
    });
    expect(submitted.body).toMatchObject({ status: 'received', verification: { state: 'verified', method: 'login' } });
    expect(await settled(submitted.body.id, stranger)).toMatchObject({
      status: 'completed',
      outcome: { result: 'no_data_held' },
      systems: [],
    });
  });

  it('an anonymous requester who names no one gets the same answer as one who does, and no code is sent anywhere', async () => {
    const known = demo.customers[3];
    const timed = async (email: string) => {
      const t = performance.now();
      const res = await api('POST', '/v1/privacy-requests', {
        body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } },
      });
      return { ...res, ms: performance.now() - t };
    };
    const a = await timed(known.email);
    const b = await timed('nobody@example.org');
    // Both replies are held to the same floor, whether or not a code went out (no timing oracle).
    const floor = Number(runtime.env.ANONYMOUS_REPLY_FLOOR_MS ?? 400);
    expect(a.ms).toBeGreaterThanOrEqual(floor - 5);
    expect(b.ms).toBeGreaterThanOrEqual(floor - 5);
    const shape = (r: typeof a) => ({
      status: r.status,
      keys: Object.keys(r.body).sort(),
      verification: Object.keys(r.body.verification).sort(),
      state: r.body.status,
    });
    expect(shape(b)).toEqual(shape(a));
    expect(await codeFromMailbox(runtime.apiUrl, 'nobody@example.org', b.body.id)).toBeUndefined();
    // The requester follows its request with the key it was given; without it the request does not exist.
    const followed = await api('GET', `/v1/privacy-requests/${b.body.id}`, {
      headers: { 'x-requester-key': b.body.requesterKey },
    });
    expect(followed.status).toBe(200);
    expect(followed.body).not.toHaveProperty('ecifId');
    expect((await api('GET', `/v1/privacy-requests/${b.body.id}`)).status).toBe(404);
    expect(
      (await api('GET', `/v1/privacy-requests/${b.body.id}`, { headers: { 'x-requester-key': a.body.requesterKey } }))
        .status,
    ).toBe(404);
    // And withdraws it.
    const cancelled = await api('POST', `/v1/privacy-requests/${a.body.id}/cancel`, {
      headers: { 'x-requester-key': a.body.requesterKey },
    });
    expect(cancelled.body.status).toBe('cancelled');
  });
});

describe('recovery', () => {
  it('re-drives a request whose execution was lost (a stopped runtime), to completion', async () => {
    const d = await deps();
    const subject = demo.customers.find(
      (c) => c.crm && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    const receivedAt = new Date().toISOString();
    const id = newId();
    // Stored as submit stores it, but never started: what a crash between the two leaves.
    await d.requests.create({
      id,
      type: 'erasure',
      jurisdiction: 'GDPR',
      channel: 'api',
      status: 'received',
      identityKeys: identityKeysOf({ email: subject.email }, d.hash),
      verification: { state: 'verified', method: 'login' },
      receivedAt,
      ackDueAt: receivedAt,
      dueAt: receivedAt,
      updatedAt: receivedAt,
    });
    expect(await redriveUnfinished(d)).toContain(id);
    await runtime.sfn.waitForExecution(
      `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}`,
    );
    expect((await d.requests.get(id))?.status).toBe('completed');
    expect(await redriveUnfinished(d)).not.toContain(id);
  });
});

describe('consent, first slice', () => {
  it('a customer grants marketing by email and the CRM is allowed; a withdrawal denies', async () => {
    const body = (state: string) => ({
      choices: [{ purpose: 'marketing', channel: 'email', state }],
      jurisdiction: 'GDPR',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'web',
    });
    const ask = () =>
      api('POST', '/v1/consent-decisions', {
        token: tokens.crm,
        body: { ecifId: 'C000001', purpose: 'marketing', channel: 'email' },
      });
    expect((await ask()).body).toMatchObject({ decision: 'deny' });
    expect((await api('POST', '/v1/consents', { token: tokens.customer, body: body('granted') })).status).toBe(201);
    expect((await ask()).body).toMatchObject({ decision: 'allow', reason: expect.any(String) });
    expect((await api('POST', '/v1/consents', { token: tokens.customer, body: body('withdrawn') })).status).toBe(201);
    expect((await ask()).body).toMatchObject({ decision: 'deny' });
  });
});

describe('Global Privacy Control', () => {
  it("a customer's capture with Sec-GPC: 1 opts it out of sale and sharing (11 CCR §7025); the same header from the CRM does not", async () => {
    const body = {
      choices: [{ purpose: 'analytics', channel: 'any', state: 'granted' }],
      jurisdiction: 'CCPA',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'web',
    };
    const ask = (purpose: string) =>
      api('POST', '/v1/consent-decisions', {
        token: tokens.crm,
        body: { ecifId: 'C000001', purpose, channel: 'email' },
      });
    const viaCrm = await api('POST', '/v1/consents', {
      token: tokens.crm,
      body: { ...body, ecifId: 'C000001', method: 'crm', evidence: { reference: 'x' } },
      headers: { 'sec-gpc': '1' },
    });
    expect(viaCrm.body.gpcHonored).toBe(false);
    expect((await ask('sale')).body.reason).not.toBe('opted_out_sale');
    const own = await api('POST', '/v1/consents', { token: tokens.customer, body, headers: { 'sec-gpc': '1' } });
    expect(own.status).toBe(201);
    expect(own.body.gpcHonored).toBe(true);
    expect((await ask('sale')).body).toMatchObject({ decision: 'deny', reason: 'opted_out_sale' });
    expect((await ask('third_party_sharing')).body).toMatchObject({ decision: 'deny', reason: 'opted_out_sharing' });
  });
});

describe('consent history and point in time', () => {
  it('answers "was C000001 contactable for marketing by SMS at that instant, on what evidence?"', async () => {
    const capture = (state: string) =>
      api('POST', '/v1/consents', {
        token: tokens.crm,
        body: {
          ecifId: 'C000001',
          choices: [{ purpose: 'marketing', channel: 'sms', state }],
          jurisdiction: 'GDPR',
          notice: { id: 'privacy-notice', version: '3' },
          method: 'call_center',
          evidence: { reference: 'call-778' },
        },
      });
    expect((await capture('granted')).status).toBe(201);
    await new Promise((r) => setTimeout(r, 20));
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 20));
    expect((await capture('withdrawn')).status).toBe(201);

    const then = await api('GET', `/v1/subjects/C000001/consents?asOf=${encodeURIComponent(between)}`, {
      token: tokens.auditor,
    });
    expect(then.status).toBe(200);
    const sms = then.body.consents.find((c: { channel: string }) => c.channel === 'sms');
    expect(sms).toMatchObject({
      purpose: 'marketing',
      state: 'granted',
      evidence: {
        method: 'call_center',
        evidence: { reference: 'call-778', actorRole: 'crm' },
        notice: { version: '3' },
      },
    });
    const now = await api('GET', '/v1/subjects/C000001/consents', { token: tokens.crm });
    expect(now.body.consents.find((c: { channel: string }) => c.channel === 'sms')).toMatchObject({
      state: 'withdrawn',
    });
    expect(now.body.flags).toMatchObject({ erased: false });

    const history = await api('GET', '/v1/subjects/C000001/consents/history?limit=1', { token: tokens.auditor });
    expect(history.body.items).toHaveLength(1);
    const rest = await api('GET', `/v1/subjects/C000001/consents/history?limit=100&cursor=${history.body.next}`, {
      token: tokens.auditor,
    });
    expect([...history.body.items, ...rest.body.items].map((e: { state: string }) => e.state).slice(-2)).toEqual([
      'granted',
      'withdrawn',
    ]);
  });

  it('a customer sees only its own consents (404 otherwise); bad instants and cursors are 422', async () => {
    expect((await api('GET', '/v1/subjects/C000001/consents', { token: tokens.customer })).status).toBe(200);
    expect((await api('GET', '/v1/subjects/C000003/consents', { token: tokens.customer })).status).toBe(404);
    expect((await api('GET', '/v1/subjects/C000003/consents?asOf=yesterday', { token: tokens.auditor })).status).toBe(
      422,
    );
    expect(
      (await api('GET', '/v1/subjects/C000003/consents/history?cursor=forged', { token: tokens.auditor })).status,
    ).toBe(422);
    expect((await api('GET', '/v1/subjects/C000001/consents/history', { token: tokens.steward })).status).toBe(403);
  });
});

describe('bad input gets a 4xx problem and changes nothing', () => {
  const cases: {
    name: string;
    method: string;
    path: string;
    token?: keyof typeof tokens;
    raw?: string;
    body?: unknown;
    status: number;
    headers?: Record<string, string>;
  }[] = [
    { name: 'malformed JSON', method: 'POST', path: '/v1/privacy-requests', raw: '{"type":', status: 400 },
    {
      name: 'wrong type',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 42 } },
      status: 422,
    },
    {
      name: 'unknown field',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 'a@example.com' }, admin: true },
      status: 422,
    },
    {
      name: 'no identifier',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: {} },
      status: 422,
    },
    {
      name: 'rectification without corrections',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: { type: 'rectification', jurisdiction: 'GDPR', identifiers: { email: 'a@example.com' } },
      status: 422,
    },
    {
      name: 'corrections on an erasure',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: {
        type: 'erasure',
        jurisdiction: 'GDPR',
        identifiers: { email: 'a@example.com' },
        corrections: { familyName: 'X' },
      },
      status: 422,
    },
    {
      name: 'a code that is not 6 digits',
      method: 'POST',
      path: '/v1/privacy-requests/01JAAAAAAAAAAAAAAAAAAAAAAA/verification',
      body: { code: '12ab56' },
      status: 422,
    },
    {
      name: 'verifying a request that does not exist',
      method: 'POST',
      path: '/v1/privacy-requests/01JAAAAAAAAAAAAAAAAAAAAAAA/verification',
      body: { code: '123456' },
      status: 404,
    },
    {
      name: 'extend without a reason',
      method: 'POST',
      path: '/v1/privacy-requests/01JAAAAAAAAAAAAAAAAAAAAAAA/extend',
      body: {},
      token: 'operator',
      status: 422,
    },
    {
      name: 'deny with a reason not on the list',
      method: 'POST',
      path: '/v1/privacy-requests/01JAAAAAAAAAAAAAAAAAAAAAAA/deny',
      body: { reason: 'busy', detail: 'We are busy this month.' },
      token: 'operator',
      status: 422,
    },
    {
      name: 'a request queue cursor we never gave out',
      method: 'GET',
      path: '/v1/privacy-requests?cursor=eyJzIjowLCJrIjp7IlBLIjoieCJ9fQ',
      token: 'operator',
      status: 422,
    },
    {
      name: 'not JSON',
      method: 'POST',
      path: '/v1/privacy-requests',
      raw: 'type=erasure',
      headers: { 'content-type': 'text/plain' },
      status: 415,
    },
    {
      name: 'invalid bearer on a public route',
      method: 'POST',
      path: '/v1/privacy-requests',
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 'a@example.com' } },
      headers: { authorization: 'Bearer nope' },
      status: 401,
    },
    { name: 'missing auth', method: 'PUT', path: '/v1/ecif/customers/C000050', body: {}, status: 401 },
    { name: 'wrong role', method: 'PUT', path: '/v1/ecif/customers/C000050', token: 'crm', body: {}, status: 403 },
    {
      name: 'bad path id',
      method: 'PUT',
      path: '/v1/ecif/customers/has%20space',
      token: 'steward',
      body: {},
      status: 422,
    },
    {
      name: 'unknown customer field',
      method: 'PUT',
      path: '/v1/ecif/customers/C000050',
      token: 'steward',
      body: { emails: [], phones: [], isAdmin: true },
      status: 422,
    },
    {
      name: 'retain without exemption',
      method: 'PUT',
      path: '/v1/systems/bad-system',
      token: 'operator',
      body: {
        name: 'x',
        connector: { kind: 'manual' },
        capabilities: ['erase'],
        fields: [{ name: 'a', category: 'other', strategy: 'retain' }],
      },
      status: 422,
    },
    {
      name: 'consent for someone else',
      method: 'POST',
      path: '/v1/consents',
      token: 'customer',
      body: {
        ecifId: 'C000002',
        choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
        jurisdiction: 'GDPR',
        notice: { id: 'n', version: '1' },
        method: 'web',
      },
      status: 404,
    },
    {
      name: 'on-behalf capture without evidence',
      method: 'POST',
      path: '/v1/consents',
      token: 'crm',
      body: {
        ecifId: 'C000002',
        choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
        jurisdiction: 'GDPR',
        notice: { id: 'n', version: '1' },
        method: 'crm',
      },
      status: 422,
    },
    {
      name: 'request id not a ULID',
      method: 'GET',
      path: '/v1/privacy-requests/..%2F..',
      token: 'operator',
      status: 422,
    },
  ];

  it.each(cases)('$name → $status', async (c) => {
    const before = await Promise.all(Object.values(runtime.tables).map(itemCount));
    const res = await api(c.method, c.path, {
      token: c.token ? tokens[c.token] : undefined,
      raw: c.raw,
      body: c.body,
      headers: c.headers,
    });
    expect(res.status).toBe(c.status);
    expect(res.headers.get('content-type')).toMatch(/^application\/(problem\+)?json/);
    if (res.status !== 401 || c.path.startsWith('/v1/privacy-requests'))
      expect(res.body).toMatchObject({ status: c.status, title: expect.any(String) });
    expect(await Promise.all(Object.values(runtime.tables).map(itemCount))).toEqual(before);
  });

  it('a public route takes Cognito-style access tokens (client_id, no aud) as the HTTP API authorizer does', async () => {
    const body = { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 'nobody-token@example.org' } };
    const access = await signDevToken({
      role: 'customer',
      sub: 'C000009',
      claims: { aud: undefined, client_id: 'custodian-api' },
    });
    const ok = await api('POST', '/v1/privacy-requests', { token: access, body });
    expect(ok.status).toBe(202);
    expect(ok.body).toMatchObject({ ecifId: 'C000009', verification: { state: 'verified', method: 'login' } });
    const other = await signDevToken({
      role: 'customer',
      sub: 'C000009',
      claims: { aud: undefined, client_id: 'another-app' },
    });
    expect((await api('POST', '/v1/privacy-requests', { token: other, body })).status).toBe(401);
  });

  it('a CRM machine client (client credentials: no groups, the scope custodian/crm) decides, and reaches nothing else', async () => {
    const machine = await signDevToken({
      role: 'crm',
      sub: 'crm-machine-client',
      claims: { aud: undefined, client_id: 'custodian-api', 'cognito:groups': undefined, scope: 'custodian/crm' },
    });
    const decided = await api('POST', '/v1/consent-decisions', {
      token: machine,
      body: { ecifId: 'C000001', purpose: 'marketing', channel: 'email' },
    });
    expect(decided.status).toBe(200);
    expect((await api('GET', '/v1/systems', { token: machine })).status).toBe(403);
    const operatorScope = await signDevToken({
      role: 'crm',
      sub: 'm2',
      claims: { aud: undefined, client_id: 'custodian-api', 'cognito:groups': undefined, scope: 'custodian/operator' },
    });
    expect((await api('GET', '/v1/systems', { token: operatorScope })).status).toBe(403);
  });

  it("a customer reads its own request; someone else's answers 404, exactly like a missing one", async () => {
    const mine = await signDevToken({ role: 'customer', sub: 'C000011' });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token: mine,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 'nobody-own@example.org' } },
    });
    expect(submitted.status).toBe(202);
    expect((await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: mine })).status).toBe(200);
    const other = await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: tokens.customer });
    const missing = await api('GET', '/v1/privacy-requests/01J00000000000000000000000', { token: tokens.customer });
    expect(other.status).toBe(404);
    expect(other.body.detail).toBe(missing.body.detail);
  });

  it('an Idempotency-Key replays the first request instead of creating a second', async () => {
    const body = { type: 'erasure', jurisdiction: 'CCPA', identifiers: { email: 'nobody-idem@example.org' } };
    const headers = { 'idempotency-key': 'retry-0123456789' };
    const first = await api('POST', '/v1/privacy-requests', { body, headers });
    const second = await api('POST', '/v1/privacy-requests', { body, headers });
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    const other = await api('POST', '/v1/privacy-requests', { body: { ...body, jurisdiction: 'GDPR' }, headers });
    expect(other.status).toBe(422);
  });
});
