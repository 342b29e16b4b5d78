/**
 * Exemptions for real, on the local runtime with the demo's four systems (the CRM webhook, the
 * core-banking DynamoDB table, the PostgreSQL warehouse on embedded PGlite): an erasure keeps core
 * banking's AML fields with an until-date; the scheduled job finds nothing due until the clock passes
 * that date, then starts one erasure run (run twice: still one) through the synthesized state machine,
 * which erases exactly those fields, each its after-retention way, audited. A legal hold keeps
 * everything until it is released, through the HTTP API. The warehouse row changes visibly.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { REDACTED } from '#core/connectors/strategies.ts';
import { handler as erasureFollowUps } from '#handlers/scheduled/erasure-follow-ups.ts';
import { deps } from '#handlers/deps.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { startDemoWarehouse, warehouseRow } from '#infra/local/demo/warehouse.ts';
import { coreBankingSystem } from '#infra/local/demo/systems.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';
import { createClient } from '#client/client.ts';

let runtime: LocalRuntime;
let demo: Demo;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 8, seed: 42, warehouse: startDemoWarehouse() });
  // With the embedded warehouse starting alongside: more than the other suites' 120 s on a loaded machine.
}, 240_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});
afterEach(() => {
  vi.useRealTimers();
});

const api = contractClient(() => runtime.apiUrl);
const executionArn = (name: string) =>
  `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${name}`;

async function account(accountId: string) {
  const { Item } = await runtime.dynamo.client.send(
    new GetItemCommand({
      TableName: demo.coreBankingTable,
      Key: { accountId: { S: accountId } },
      ConsistentRead: true,
    }),
  );
  return unmarshall(Item!);
}

describe('follow-up erasure at the end of the AML retention', () => {
  it('keeps the AML fields until the until-date, then erases exactly those, once, audited', async () => {
    const subject = demo.customers.find((c) => c.coreBanking && c.ecifId !== 'C000001')!;
    const held = subject.coreBanking!;
    const retained = coreBankingSystem().fields!.filter((f) => f.strategy === 'retain');

    // The customer, signed in, asks for erasure.
    const token = await signDevToken({ role: 'customer', sub: subject.ecifId });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
    });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    await runtime.sfn.waitForExecution(executionArn(id));
    const done = await api('GET', `/v1/privacy-requests/${id}`, { token: await signDevToken({ role: 'operator' }) });
    expect(done.body.status).toBe('completed');
    const core = done.body.systems.find((s: { systemId: string }) => s.systemId === 'core-banking');
    const until = core.exemptions[0].until as string;
    // No relationship end on file: five years from the request.
    expect(until.slice(0, 4)).toBe(String(new Date(done.body.receivedAt).getUTCFullYear() + 5));
    expect(done.body.outcome.reasons).toContain(
      `core-banking: retained under AML record-keeping (EU AMLD Art. 40; 31 CFR 1010.430) until ${until.slice(0, 10)} (${retained.map((f) => f.name).join(', ')})`,
    );
    const kept = await account(held.accountId);
    for (const f of retained) expect(kept[f.name]).toEqual(held[f.name]);

    // Before the date the job finds nothing due.
    expect(await erasureFollowUps()).toMatchObject({ started: [] });

    // The clock passes the until-date: the job starts one run; a second run of the job starts none.
    vi.useFakeTimers({ toFake: ['Date'], shouldAdvanceTime: true });
    vi.setSystemTime(new Date(Date.parse(until) + 86_400_000));
    const first = await erasureFollowUps();
    expect(first.started).toHaveLength(1);
    expect((await erasureFollowUps()).started).toEqual([]);
    const [runId] = first.started;
    await runtime.sfn.waitForExecution(executionArn(runId));

    const operator = await signDevToken({ role: 'operator' });
    const run = await api('GET', `/v1/privacy-requests/${runId}`, { token: operator });
    expect(run.body).toMatchObject({ type: 'erasure', status: 'completed', ecifId: subject.ecifId });
    expect(run.body.systems).toEqual([
      expect.objectContaining({
        systemId: 'core-banking',
        state: 'succeeded',
        attempts: 1,
        proof: expect.objectContaining({ verified: true }),
      }),
    ]);
    expect([...run.body.systems[0].proof.fieldsChanged].sort()).toEqual(retained.map((f) => f.name).sort());

    // The core-banking item: each retained field erased its after-retention way; the rest as the first erasure left it.
    const after = await account(held.accountId);
    expect(after.accountNumber).toMatch(/^\*+.{2}$/);
    expect(after.accountNumber).not.toBe(held.accountNumber);
    expect(after.balance).toBeNull();
    expect(after.kycDocumentRef).toBeNull();
    expect(after.transactionSummary).toBe(REDACTED);
    for (const f of ['holderName', 'email', 'phone', 'postcode', 'dateOfBirth']) expect(after[f]).toEqual(kept[f]);

    // Audited once on the request it follows, and on its own stream.
    const d = await deps();
    const trail = (await d.audit.stream(`request:${id}`))
      .map((e) => e.action)
      .filter((a) => a.startsWith('request.follow_up'));
    expect(trail).toEqual(['request.follow_up_scheduled', 'request.follow_up_started', 'request.follow_up_completed']);
    expect((await d.audit.stream(`request:${runId}`)).map((e) => e.action)).toEqual([
      'request.received',
      'request.started',
      'request.subject_resolved',
      'request.planned',
      'request.system_succeeded',
      'request.finalized',
    ]);
    expect(JSON.stringify(await d.audit.stream(`request:${runId}`))).not.toContain(held.accountNumber);
  });
});

describe('legal hold, through the HTTP API', () => {
  it('an erasure under a hold changes nothing and is answered partially; the release runs it everywhere', async () => {
    const subject = demo.customers.find(
      (c) =>
        c.crm && c.coreBanking && c.ecifId !== 'C000001' && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email,
    )!;
    const [operator, auditor] = await Promise.all([
      signDevToken({ role: 'operator' }),
      signDevToken({ role: 'auditor' }),
    ]);
    const customer = await signDevToken({ role: 'customer', sub: subject.ecifId });
    const path = `/v1/subjects/${subject.ecifId}/legal-hold`;
    const body = { reason: 'Litigation: mortgage dispute, claim filed 2026-11', reference: 'LIT-2026-031' };

    expect((await api('GET', path, { token: auditor })).status).toBe(404);
    const placed = await api('PUT', path, { token: operator, body });
    expect(placed.status).toBe(201);
    expect(placed.body).toMatchObject({
      ecifId: subject.ecifId,
      reference: 'LIT-2026-031',
      placedBy: { role: 'operator' },
    });
    expect((await api('PUT', path, { token: operator, body })).status).toBe(200);
    expect((await api('GET', path, { token: auditor })).body).toMatchObject({ reference: 'LIT-2026-031' });
    // The typed client reads the same hold.
    expect(await createClient({ baseUrl: runtime.apiUrl, token: auditor }).legalHold(subject.ecifId)).toMatchObject({
      reference: 'LIT-2026-031',
      placedBy: { role: 'operator' },
    });
    expect((await api('PUT', path, { token: auditor, body })).status).toBe(403);
    expect((await api('PUT', '/v1/subjects/C999999/legal-hold', { token: operator, body })).status).toBe(404);

    // The erasure: nothing destroyed, every system exempt under the hold, answered partially.
    const crmBefore = structuredClone(demo.crm.store.get(subject.crm!.contactId));
    const accountBefore = await account(subject.coreBanking!.accountId);
    const rowBefore = await warehouseRow(demo.warehouse!.url, demo.warehouse!.table, subject.warehouse!.customer_key);
    const submitted = await api('POST', '/v1/privacy-requests', {
      token: customer,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
    });
    await runtime.sfn.waitForExecution(executionArn(submitted.body.id));
    const held = await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: operator });
    expect(held.body).toMatchObject({ status: 'partially_completed', outcome: { result: 'partially_erased' } });
    expect(held.body.systems.map((s: { systemId: string; state: string }) => [s.systemId, s.state]).sort()).toEqual([
      ['core-banking', 'exempt'],
      ['crm', 'exempt'],
      ...(subject.marketing ? [['marketing', 'exempt']] : []),
      ['warehouse', 'exempt'],
    ]);
    for (const s of held.body.systems)
      expect(
        s.exemptions.every(
          (e: { hold?: string; citation?: string }) => e.hold === 'LIT-2026-031' && e.citation === 'GDPR Art. 17(3)(e)',
        ),
      ).toBe(true);
    expect(held.body.outcome.reasons).toContain(
      `crm: retained under legal hold LIT-2026-031 (GDPR Art. 17(3)(e)) until the hold is released (firstName, lastName, email, phone, notes, marketingSegment)`,
    );
    expect(demo.crm.store.get(subject.crm!.contactId)).toEqual(crmBefore);
    expect(await account(subject.coreBanking!.accountId)).toEqual(accountBefore);
    expect(await warehouseRow(demo.warehouse!.url, demo.warehouse!.table, subject.warehouse!.customer_key)).toEqual(
      rowBefore,
    );

    // Access is unaffected by the hold.
    const access = await api('POST', '/v1/privacy-requests', {
      token: customer,
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
    });
    await runtime.sfn.waitForExecution(executionArn(access.body.id));
    expect((await api('GET', `/v1/privacy-requests/${access.body.id}`, { token: operator })).body).toMatchObject({
      status: 'completed',
      outcome: { result: 'report_ready' },
    });

    // The release: the erasure the hold kept back runs now.
    const released = await api('DELETE', path, { token: operator });
    expect(released.status).toBe(200);
    expect(released.body).toMatchObject({
      ecifId: subject.ecifId,
      released: true,
      reference: 'LIT-2026-031',
      erasuresStarted: [expect.any(String)],
    });
    const [runId] = released.body.erasuresStarted;
    await runtime.sfn.waitForExecution(executionArn(runId));
    const run = await api('GET', `/v1/privacy-requests/${runId}`, { token: operator });
    expect(run.body).toMatchObject({ status: 'completed', outcome: { result: 'erased' } });
    expect(run.body.systems.map((s: { systemId: string; state: string }) => [s.systemId, s.state]).sort()).toEqual([
      ['core-banking', 'succeeded'],
      ['crm', 'succeeded'],
      ...(subject.marketing ? [['marketing', 'succeeded']] : []),
      ['warehouse', 'succeeded'],
    ]);
    const contact = JSON.stringify(demo.crm.store.get(subject.crm!.contactId) ?? {});
    for (const value of [subject.crm!.email, subject.crm!.phone, subject.crm!.lastName])
      expect(contact).not.toContain(value);
    expect((await account(subject.coreBanking!.accountId)).holderName).not.toBe(accountBefore.holderName);
    expect((await api('DELETE', path, { token: operator })).status).toBe(404);
    // The job has nothing more to start for it.
    expect((await erasureFollowUps()).started).toEqual([]);

    // The hold's own stream: placed and released, by the operator, no reason text.
    const trail = await (await deps()).audit.stream(`hold:${subject.ecifId}`);
    expect(trail.map((e) => [e.action, e.actor.role, e.details.reference])).toEqual([
      ['hold.placed', 'operator', 'LIT-2026-031'],
      ['hold.released', 'operator', 'LIT-2026-031'],
    ]);
    expect(JSON.stringify(trail)).not.toContain('mortgage');
  });
});

describe('the demo data warehouse (PostgreSQL: embedded PGlite over the wire)', () => {
  it('an erasure of a demo customer visibly changes its warehouse row, proven by read-back', async () => {
    // A customer the tests above have not erased yet.
    const untouched = await Promise.all(
      demo.customers.map(
        async (c) =>
          c.warehouse &&
          c.ecifId !== 'C000001' &&
          (await warehouseRow(demo.warehouse!.url, demo.warehouse!.table, c.warehouse.customer_key))?.email ===
            c.warehouse.email,
      ),
    );
    const subject = demo.customers.filter((_, i) => untouched[i])[0];
    const key = subject.warehouse!.customer_key;
    const before = await warehouseRow(demo.warehouse!.url, demo.warehouse!.table, key);
    expect(before).toMatchObject({
      full_name: subject.warehouse!.full_name,
      email: subject.warehouse!.email,
      phone: subject.warehouse!.phone,
    });

    const token = await signDevToken({ role: 'customer', sub: subject.ecifId });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
    });
    await runtime.sfn.waitForExecution(executionArn(submitted.body.id));
    const done = await api('GET', `/v1/privacy-requests/${submitted.body.id}`, {
      token: await signDevToken({ role: 'operator' }),
    });
    expect(done.body.status, JSON.stringify(done.body.outcome)).toBe('completed');
    const dw = done.body.systems.find((s: { systemId: string }) => s.systemId === 'warehouse');
    expect(dw).toMatchObject({ state: 'succeeded', proof: { verified: true, verification: 'read-back' } });
    expect([...dw.proof.fieldsChanged].sort()).toEqual([
      'date_of_birth',
      'email',
      'full_name',
      'last_campaign',
      'phone',
      'postcode',
      'segment',
    ]);

    const after = await warehouseRow(demo.warehouse!.url, demo.warehouse!.table, key);
    expect(after).toMatchObject({
      customer_key: key,
      full_name: REDACTED,
      email: expect.stringMatching(/^hmac:/),
      phone: expect.stringMatching(/^\*+.{2}$/),
      date_of_birth: subject.warehouse!.date_of_birth.slice(0, 4),
      segment: null,
      last_campaign: null,
      // Not personal once the row is anonymous: the analytics keep it.
      lifetime_value: subject.warehouse!.lifetime_value,
    });
    expect(JSON.stringify(after)).not.toContain(subject.warehouse!.email);
    expect(after!.postcode).not.toBe(subject.warehouse!.postcode);
  });
});
