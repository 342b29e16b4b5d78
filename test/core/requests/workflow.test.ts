/**
 * The privacy-request workflow's steps, driven as the state machine drives them, on in-memory ports.
 * Rules: no match is a valid outcome ("we hold no data", GDPR Art. 12(3)/15); the golden record stays
 * until every system is done (its cross-references drive the retry); a finished erasure anonymizes
 * the golden record, suppresses its identities (so ingestion cannot bring them back) and marks the
 * consent flags erased (GDPR Art. 17, Art. 19); every step is audited; every step is idempotent.
 */
import { ed25519Signer } from '#core/consent/decision-token.ts';
const tokenOptions = { issuer: 'urn:custodian', audience: 'urn:custodian:test', ttlSeconds: 300 };
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { verifyChain } from '#core/audit/event.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { captureConsent } from '#core/consent/capture-consent.ts';
import { decideConsent } from '#core/consent/decide-consent.ts';
import { anonymized, type GoldenRecord } from '#core/ecif/customer.ts';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import type { RequestInput } from '#core/requests/request.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { dueOnRelease, startDueFollowUps, startFollowUps } from '#core/requests/follow-ups.ts';
import { placeHold, releaseHold } from '#core/ecif/legal-hold.ts';
import { render } from '#core/notifications/outbox.ts';
import {
  executeSystemStep,
  finalizeStep,
  prepareStep,
  recordSystemFailureStep,
  type WorkflowDeps,
} from '#core/requests/workflow.ts';
import { workflowActor, type Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import {
  NotFoundError,
  PermanentSystemError,
  SuppressedIdentityError,
  TransientSystemError,
} from '#core/shared/errors.ts';
import {
  FakeAuditLog,
  FakeConnectors,
  FakeOutbox,
  FakeReportStore,
  FakeFollowUpStore,
  FakeLegalHolds,
  FakeConsentLedger,
  FakeEcifRegistry,
  FakeRequestStore,
  FakeRequestWorkflow,
  FakeSystemsRegistry,
} from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const steward: Actor = { role: 'steward', principal: 'steward-1' };
const anonymous: Actor = { role: 'anonymous', principal: 'anonymous' };
const T0 = '2025-06-02T09:00:00.000Z';

function system(systemId: string, over: Partial<ConnectedSystem> = {}): ConnectedSystem {
  return {
    systemId,
    name: systemId,
    connector: { kind: 'http', url: `https://${systemId}.example.com/privacy`, mode: 'sync', timeoutMs: 5000 },
    capabilities: ['erase', 'access'],
    fields: [],
    recipient: true,
    concurrency: 4,
    updatedAt: '2025-01-01T00:00:00.000Z',
    ...over,
  };
}
const crm = system('crm', {
  fields: [
    { name: 'email', category: 'contact', strategy: 'null' },
    { name: 'fullName', category: 'identity', strategy: 'redact' },
  ],
});
const bank = system('core-banking', {
  fields: [
    { name: 'holder', category: 'identity', strategy: 'hash' },
    {
      name: 'transactions',
      category: 'financial',
      strategy: 'retain',
      exemption: { basis: 'AML record-keeping', citation: 'EU AMLD Art. 40', years: 5 },
    },
  ],
});

let clock: ReturnType<typeof fixedClock>;
let requests: FakeRequestStore;
let ecif: FakeEcifRegistry;
let systems: FakeSystemsRegistry;
let consent: FakeConsentLedger;
let audit: FakeAuditLog;
let connectors: FakeConnectors;
let outbox: FakeOutbox;
let deps: WorkflowDeps;

async function addCustomer(ecifId: string, email: string, xrefs: { systemId: string; localId: string }[]) {
  await upsertCustomer(
    { ecif, audit, hash, clock },
    ecifId,
    {
      name: { given: ecifId, family: 'Example' },
      addresses: [],
      emails: [email],
      phones: [],
      nationalIds: [],
      crossReferences: xrefs,
    },
    steward,
  );
}

beforeEach(async () => {
  clock = fixedClock(T0);
  requests = new FakeRequestStore();
  ecif = new FakeEcifRegistry();
  systems = new FakeSystemsRegistry([crm, bank]);
  consent = new FakeConsentLedger();
  audit = new FakeAuditLog(clock);
  connectors = new FakeConnectors();
  outbox = new FakeOutbox();
  deps = {
    requests,
    ecif,
    systems,
    consent,
    audit,
    clock,
    outbox,
    hash,
    reports: new FakeReportStore(),
    followUps: new FakeFollowUpStore(),
    holds: new FakeLegalHolds(),
    connectorFor: connectors.connectorFor,
  };
  await addCustomer('ALICE', 'alice@example.com', [
    { systemId: 'crm', localId: 'C-1' },
    { systemId: 'core-banking', localId: 'ACC-7' },
  ]);
  await addCustomer('BOB', 'bob@example.com', [{ systemId: 'crm', localId: 'C-2' }]);
  await captureConsent(
    { consent, ecif, audit, clock },
    {
      choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'web',
    },
    { role: 'customer', principal: 'ALICE' },
  );
});

async function submit(identifiers: RequestInput['identifiers'], requester: Actor = anonymous) {
  const { request } = await submitRequest(
    {
      requests,
      workflow: new FakeRequestWorkflow(),
      audit,
      hash,
      clock,
      ecif,
      consent,
      outbox,
      requestKey: 'unit-test-request-key',
      holidays: new Set(),
    },
    { type: 'erasure', jurisdiction: 'GDPR', identifiers, channel: 'web' },
    requester,
  );
  // These tests are about the workflow: an anonymous request is taken as verified (verify-request.test.ts covers the code).
  if (request.status === 'pending_verification') {
    await requests.seed(request.id, { status: 'received', verification: { state: 'verified', method: 'code' } });
  }
  return request.id;
}

/** The state machine: prepare (load, resolve, plan), execute each system (3 tries for transient errors, then Catch), finalize. */
async function runWorkflow(requestId: string) {
  const plan = await prepareStep(deps, { requestId });
  if (plan.terminal) return undefined;
  if (plan.found) {
    for (const { systemId } of plan.systems) {
      for (let attempt = 1; ; attempt++) {
        try {
          await executeSystemStep(deps, { requestId, systemId });
          break;
        } catch (err) {
          if (err instanceof TransientSystemError && attempt < 3) continue;
          const e = err as Error;
          await recordSystemFailureStep(deps, {
            requestId,
            systemId,
            error: { Error: e.name, Cause: JSON.stringify({ errorMessage: e.message, errorType: e.name }) },
          });
          break;
        }
      }
    }
  }
  return finalizeStep(deps, { requestId });
}

const aliceKeys = () => identityKeysOf({ email: 'alice@example.com' }, hash);

describe('no match', () => {
  it('completes with no_data_held, touches nothing, and audits every step', async () => {
    const id = await submit({ email: 'nobody@example.com' });
    const before = { alice: await ecif.getCustomer('ALICE'), index: new Map(ecif.index) };

    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.get(id)).toMatchObject({
      status: 'completed',
      subjectFound: false,
      completedAt: T0,
      outcome: { result: 'no_data_held', reasons: ['no customer matched the identifiers given'] },
    });
    expect(await requests.get(id)).not.toHaveProperty('ecifId');
    expect(await requests.tasks(id)).toEqual([]);
    expect(connectors.calls).toEqual([]);
    expect(await ecif.getCustomer('ALICE')).toEqual(before.alice);
    expect(ecif.index).toEqual(before.index);

    const events = await audit.stream(`request:${id}`);
    expect(events.map((e) => [e.action, e.details])).toEqual([
      ['request.received', expect.objectContaining({ type: 'erasure' })],
      ['request.started', { type: 'erasure' }],
      ['request.subject_resolved', { found: false, by: 'none', crossReferences: [] }],
      ['request.finalized', { status: 'completed', result: 'no_data_held', reasons: 1 }],
    ]);
    expect(
      events
        .slice(1)
        .every((e) => e.actor.role === workflowActor.role && e.actor.principal === workflowActor.principal),
    ).toBe(true);
    expect(verifyChain(events)).toBeUndefined();
  });

  it('identifiers naming two customers are no match: neither is erased', async () => {
    // Bob also has a phone; the request gives Alice's email and Bob's phone.
    await upsertCustomer(
      { ecif, audit, hash, clock },
      'BOB',
      {
        name: { given: 'Bob', family: 'Example' },
        addresses: [],
        emails: ['bob@example.com'],
        phones: ['+442079460002'],
        nationalIds: [],
        crossReferences: [{ systemId: 'crm', localId: 'C-2' }],
      },
      steward,
    );
    const id = await submit({ email: 'alice@example.com', phone: '+44 20 7946 0002' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect((await requests.get(id))!.outcome!.result).toBe('no_data_held');
    expect(connectors.calls).toEqual([]);
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('active');
    expect((await ecif.getCustomer('BOB'))!.status).toBe('active');
  });

  it('a signed-in customer whose identifiers name someone else: nobody is erased', async () => {
    // Alice is signed in but types Bob's email: the login and the identifiers disagree.
    const id = await submit({ email: 'bob@example.com' }, { role: 'customer', principal: 'ALICE' });
    const result = await runWorkflow(id);
    expect(result).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.get(id)).toMatchObject({
      ecifId: 'ALICE',
      subjectFound: false,
      outcome: { result: 'no_data_held' },
    });
    expect(connectors.calls).toEqual([]);
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('active');
    expect((await ecif.getCustomer('BOB'))!.status).toBe('active');
    expect((await consent.current('ALICE')).flags.erased).toBe(false);
    expect(await ecif.findByIdentity(aliceKeys()[0])).toBe('ALICE');
  });
});

describe('all systems succeed', () => {
  it('erases in every system, then anonymizes the golden record, suppresses its identities and sets consent erased', async () => {
    const id = await submit({ email: ' Alice@Example.com ' });
    const original = (await ecif.getCustomer('ALICE')) as GoldenRecord;
    clock.advance(60_000);
    const at = clock.now().toISOString();

    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });

    // Each system got its fields, its local id and a stable idempotency key.
    expect(
      connectors
        .executions()
        .map((c) => [
          c.systemId,
          c.work.localId,
          c.work.action,
          c.work.idempotencyKey,
          c.work.fields.map((f) => f.name),
        ]),
    ).toEqual([
      ['core-banking', 'ACC-7', 'erase', `${id}:core-banking:erase`, ['holder']],
      ['crm', 'C-1', 'erase', `${id}:crm:erase`, ['email', 'fullName']],
    ]);
    expect((await requests.tasks(id)).map((t) => [t.systemId, t.state, t.attempts, t.proof])).toEqual([
      [
        'core-banking',
        'succeeded',
        1,
        { recordsAffected: 1, fieldsChanged: ['holder'], verified: false, verification: 'not-supported', at },
      ],
      [
        'crm',
        'succeeded',
        1,
        {
          recordsAffected: 1,
          fieldsChanged: ['email', 'fullName'],
          verified: false,
          verification: 'not-supported',
          at,
        },
      ],
    ]);

    // The request: completed, with the exemption said and dated (GDPR Art. 17(3)(b)).
    expect(await requests.get(id)).toMatchObject({
      ecifId: 'ALICE',
      subjectFound: true,
      status: 'completed',
      completedAt: at,
      outcome: {
        result: 'erased',
        reasons: ['core-banking: retained under AML record-keeping (EU AMLD Art. 40) until 2030-06-02 (transactions)'],
      },
    });

    // The golden record: only the id, the status and dates are left.
    expect(await ecif.getCustomer('ALICE')).toEqual(anonymized(original, at));
    expect(await ecif.getCustomer('ALICE')).toEqual({
      ecifId: 'ALICE',
      name: null,
      addresses: [],
      emails: [],
      phones: [],
      nationalIds: [],
      status: 'erased',
      identities: [],
      createdAt: T0,
      updatedAt: at,
      erasedAt: at,
    });
    // Its identities: unbound and suppressed (email and both local ids).
    for (const key of original.identities) expect(await ecif.findByIdentity(key)).toBeUndefined();
    expect(await ecif.suppressed(original.identities)).toEqual(original.identities);
    expect(original.identities.map((k) => k.kind)).toEqual(['email', 'sys.crm', 'sys.core-banking']);
    // Bob is untouched.
    expect((await ecif.getCustomer('BOB'))!.status).toBe('active');

    // Consent: flagged erased, so every decision is deny(erased) even with a grant on file.
    expect((await consent.current('ALICE')).flags).toMatchObject({ erased: true });
    expect(
      await decideConsent(
        {
          consent,
          ecif,
          hash,
          clock,
          decisionSigner: ed25519Signer('unit-test-token-secret-0123456789', tokenOptions),
        },
        { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' },
      ),
    ).toMatchObject({
      decision: 'deny',
      reason: 'erased',
    });

    // Ingestion may not bring the person back.
    await expect(
      upsertCustomer(
        { ecif, audit, hash, clock },
        'ALICE-2',
        {
          name: { given: 'A', family: 'S' },
          addresses: [],
          emails: ['alice@example.com'],
          phones: [],
          nationalIds: [],
          crossReferences: [],
        },
        steward,
      ),
    ).rejects.toBeInstanceOf(SuppressedIdentityError);

    // Every step is in the request's audit stream, chained.
    const events = await audit.stream(`request:${id}`);
    expect(events.map((e) => [e.action, e.target.systemId])).toEqual([
      ['request.received', undefined],
      ['request.started', undefined],
      ['request.subject_resolved', undefined],
      ['request.planned', undefined],
      ['request.system_succeeded', 'core-banking'],
      ['request.system_succeeded', 'crm'],
      ['request.follow_up_scheduled', 'core-banking'],
      ['request.recipients_notified', undefined],
      ['request.finalized', undefined],
    ]);
    // GDPR Art. 19: both systems are recipients, and both were told (the requester may ask who).
    expect(events[7].details).toEqual({ systems: ['core-banking', 'crm'], basis: 'GDPR Art. 19' });
    expect((await requests.get(id))!.outcome!.recipientsNotified).toEqual(['core-banking', 'crm']);
    expect(events[2].details).toEqual({ found: true, by: 'identifiers', crossReferences: ['core-banking', 'crm'] });
    expect(events[3].details).toEqual({
      systems: [
        { systemId: 'core-banking', action: 'erase', state: 'pending', exemptions: ['transactions'] },
        { systemId: 'crm', action: 'erase', state: 'pending', exemptions: [] },
      ],
    });
    expect(events.slice(2).every((e) => e.target.ecifId === 'ALICE')).toBe(true);
    expect(verifyChain(events)).toBeUndefined();
    // No identifier in clear anywhere in the trail.
    expect(JSON.stringify([...audit.streams.values()])).not.toMatch(/alice@|example\.com/i);
  });

  it('a connector that reads back proves the erasure: verified proof', async () => {
    connectors.set('crm', {
      kind: 'succeed',
      outcome: { recordsAffected: 1, fieldsChanged: ['email'] },
      verification: { verified: true, remaining: [], method: 'read-back' },
    });
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    expect((await requests.getTask(id, 'crm'))!.proof).toEqual({
      recordsAffected: 1,
      fieldsChanged: ['email'],
      verified: true,
      verification: 'read-back',
      at: T0,
    });
  });

  it('a signed-in customer whose identifiers match nobody is still erased: the login identifies it', async () => {
    const id = await submit({ email: 'old-address@example.com' }, { role: 'customer', principal: 'ALICE' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.get(id)).toMatchObject({
      ecifId: 'ALICE',
      subjectFound: true,
      outcome: { result: 'erased' },
    });
    expect(
      connectors
        .executions()
        .map((c) => c.systemId)
        .sort(),
    ).toEqual(['core-banking', 'crm']);
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('erased');
  });

  it('a token naming no customer of the ECIF erases nothing', async () => {
    const id = await submit({ email: 'nobody@example.com' }, { role: 'customer', principal: 'GHOST' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.get(id)).toMatchObject({ subjectFound: false, outcome: { result: 'no_data_held' } });
    expect((await consent.current('GHOST')).flags.erased).toBe(false);
  });

  it('a signed-in customer whose identifiers are its own is erased', async () => {
    const id = await submit({ email: 'alice@example.com' }, { role: 'customer', principal: 'ALICE' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('erased');
  });
});

describe('a system fails', () => {
  it.each([
    {
      case: 'a permanent error',
      error: () => new PermanentSystemError('400 from the system'),
      name: 'PermanentSystemError',
      message: '400 from the system',
      attempts: 1,
    },
    {
      case: 'a transient error that outlasts the retries',
      error: () => new TransientSystemError('503 from the system'),
      name: 'TransientSystemError',
      message: '503 from the system',
      attempts: 3,
    },
  ])(
    '$case: needs_attention, the golden record and consent kept for the retry',
    async ({ error, name, message, attempts }) => {
      connectors.set('core-banking', { kind: 'throw', error });
      const id = await submit({ email: 'alice@example.com' });
      const original = await ecif.getCustomer('ALICE');

      expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'needs_attention' });
      const request = await requests.get(id);
      expect(request).toMatchObject({
        status: 'needs_attention',
        outcome: { result: 'failed_systems', reasons: [`core-banking: ${name}`] },
      });
      expect(request).not.toHaveProperty('completedAt');
      expect(await requests.getTask(id, 'core-banking')).toMatchObject({
        state: 'failed',
        attempts,
        lastError: { name, message },
      });
      expect((await requests.getTask(id, 'crm'))!.state).toBe('succeeded');
      expect(connectors.executions('core-banking')).toHaveLength(attempts);

      // Kept: the record, its index keys and cross-references, and consent without the erased flag.
      expect(await ecif.getCustomer('ALICE')).toEqual(original);
      expect(await ecif.findByIdentity(aliceKeys()[0])).toBe('ALICE');
      expect(await ecif.suppressed(aliceKeys())).toEqual([]);
      expect((await ecif.crossReferences('ALICE')).map((x) => x.systemId)).toEqual(['core-banking', 'crm']);
      expect((await consent.current('ALICE')).flags.erased).toBe(false);

      const actions = audit.actions(`request:${id}`);
      expect(actions.filter((a) => a === 'request.system_retrying')).toHaveLength(
        name === 'TransientSystemError' ? 3 : 0,
      );
      const failed = (await audit.stream(`request:${id}`)).filter((e) => e.action === 'request.system_failed');
      expect(failed.map((e) => [e.target.systemId, e.details])).toEqual([['core-banking', { error: name }]]);
      expect(actions.at(-1)).toBe('request.finalized');
      expect(verifyChain(await audit.stream(`request:${id}`))).toBeUndefined();
    },
  );

  it('a transient error that clears on a retry: succeeded, with the retry audited', async () => {
    let calls = 0;
    connectors.set('crm', {
      kind: 'throw',
      error: () => {
        calls++;
        if (calls === 1) return new TransientSystemError('timeout');
        connectors.set('crm', { kind: 'succeed' });
        return new TransientSystemError('timeout');
      },
    });
    const id = await submit({ email: 'alice@example.com' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.getTask(id, 'crm')).toMatchObject({
      state: 'succeeded',
      attempts: 3,
      lastError: { name: 'TransientSystemError', message: 'timeout' },
    });
    const retrying = (await audit.stream(`request:${id}`)).filter((e) => e.action === 'request.system_retrying');
    expect(retrying.map((e) => [e.target.systemId, e.details])).toEqual([
      ['crm', { error: 'TransientSystemError', attempt: 1 }],
      ['crm', { error: 'TransientSystemError', attempt: 2 }],
    ]);
  });

  it('a read-back that finds data left is a failure, naming the fields (not the values)', async () => {
    connectors.set('crm', {
      kind: 'succeed',
      verification: { verified: false, remaining: ['email'], method: 'read-back' },
    });
    const id = await submit({ email: 'alice@example.com' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'needs_attention' });
    expect((await requests.getTask(id, 'crm'))!.lastError).toEqual({
      name: 'PermanentSystemError',
      message: 'read-back found fields not erased: email',
    });
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('active');
  });

  it('a system that cannot erase, or is not registered, is skipped: partially completed, with reasons', async () => {
    await systems.put(system('warehouse', { capabilities: ['access'] }));
    await addCustomer('CAROL', 'carol@example.com', [
      { systemId: 'crm', localId: 'C-3' },
      { systemId: 'warehouse', localId: 'W-3' },
      { systemId: 'legacy', localId: 'L-3' },
    ]);
    const id = await submit({ email: 'carol@example.com' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'partially_completed' });
    expect(connectors.executions().map((c) => c.systemId)).toEqual(['crm']);
    expect(await requests.get(id)).toMatchObject({
      status: 'partially_completed',
      completedAt: T0,
      outcome: { result: 'partially_erased', reasons: ['legacy: UnregisteredSystem', 'warehouse: NotCapable'] },
    });
    expect((await ecif.getCustomer('CAROL'))!.status).toBe('erased');
  });
});

describe('follow-up erasure when the retention ends', () => {
  const followUpDeps = () => ({
    followUps: deps.followUps,
    holds: deps.holds,
    ecif,
    audit,
    requests,
    workflow,
    clock,
    holidays: new Set<string>(),
  });
  let workflow: FakeRequestWorkflow;
  beforeEach(() => {
    workflow = new FakeRequestWorkflow();
  });

  it('an erasure with retained fields stores one follow-up per system and until-date, audited once', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    await finalizeStep(deps, { requestId: id });
    const stored = await deps.followUps.due('2999-01-01T00:00:00.000Z');
    expect(stored).toEqual([
      expect.objectContaining({
        requestId: id,
        key: 'retention:core-banking:2030-06-02T09:00:00.000Z',
        reason: 'retention_ended',
        state: 'scheduled',
        ecifId: 'ALICE',
        dueAt: '2030-06-02T09:00:00.000Z',
        basis: 'AML record-keeping',
        citation: 'EU AMLD Art. 40',
        systemId: 'core-banking',
        localId: 'ACC-7',
        fields: [{ name: 'transactions', strategy: 'null' }],
      }),
    ]);
    expect(
      (await audit.stream(`request:${id}`)).filter((e) => e.action === 'request.follow_up_scheduled'),
    ).toHaveLength(1);
    // The requester's answer says, per system, what is kept, under what, until when.
    const answer = outbox.sent.find((n) => n.requestId === id && n.notice.kind === 'completed')!;
    expect(answer.notice).toEqual({
      kind: 'completed',
      type: 'erasure',
      result: 'erased',
      retained: ['core-banking: retained under AML record-keeping (EU AMLD Art. 40) until 2030-06-02 (transactions)'],
    });
    expect(render(answer).text).toContain(
      '- core-banking: retained under AML record-keeping (EU AMLD Art. 40) until 2030-06-02 (transactions)',
    );
  });

  it('an erasure with nothing retained stores no follow-up', async () => {
    const id = await submit({ email: 'bob@example.com' });
    await runWorkflow(id);
    expect(await deps.followUps.due('2999-01-01T00:00:00.000Z')).toEqual([]);
  });

  it('at the until-date the job starts one run (twice = once) that erases exactly those fields, its after-retention way, audited', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    const erasedAt = (await ecif.getCustomer('ALICE'))!.erasedAt;
    connectors.calls.length = 0;

    clock.advance(365 * 86_400_000);
    expect(await startDueFollowUps(followUpDeps())).toEqual({ due: 0, started: [] });

    clock.advance(5 * 366 * 86_400_000);
    const first = await startDueFollowUps(followUpDeps());
    expect(first.started).toHaveLength(1);
    expect(await startDueFollowUps(followUpDeps())).toEqual({ due: 0, started: [] });
    const [runId] = first.started;
    expect([...workflow.started]).toEqual([runId]);
    expect(await requests.get(runId)).toMatchObject({
      type: 'erasure',
      status: 'received',
      ecifId: 'ALICE',
      verification: { state: 'verified', method: 'follow_up' },
      followUp: {
        of: id,
        reason: 'retention_ended',
        systemId: 'core-banking',
        fields: [{ name: 'transactions', strategy: 'null' }],
      },
    });

    expect(await runWorkflow(runId)).toEqual({ requestId: runId, status: 'completed' });
    expect(
      connectors
        .executions()
        .map((c) => [
          c.systemId,
          c.work.localId,
          c.work.idempotencyKey,
          c.work.fields.map((f) => [f.name, f.strategy]),
        ]),
    ).toEqual([['core-banking', 'ACC-7', `${runId}:core-banking:erase`, [['transactions', 'null']]]]);
    // The ECIF was erased by the first request: the run leaves it as it was.
    expect((await ecif.getCustomer('ALICE'))!.erasedAt).toBe(erasedAt);
    expect(await deps.followUps.get(id, `retention:core-banking:2030-06-02T09:00:00.000Z`)).toMatchObject({
      state: 'done',
      runRequestId: runId,
    });
    await runWorkflow(runId);
    expect(connectors.executions()).toHaveLength(1);

    const trail = (await audit.stream(`request:${id}`))
      .map((e) => e.action)
      .filter((a) => a.startsWith('request.follow_up'));
    expect(trail).toEqual(['request.follow_up_scheduled', 'request.follow_up_started', 'request.follow_up_completed']);
    expect((await audit.stream(`request:${runId}`)).map((e) => e.action)).toEqual([
      // The recipient is told of this erasure too (GDPR Art. 19).
      'request.received',
      'request.started',
      'request.subject_resolved',
      'request.planned',
      'request.system_succeeded',
      'request.recipients_notified',
      'request.finalized',
    ]);
  });

  it('a follow-up that fails to start keeps no other back; the job then fails, for the schedule to retry', async () => {
    const alice = await submit({ email: 'alice@example.com' });
    await runWorkflow(alice);
    await addCustomer('CAROL', 'carol@example.com', [{ systemId: 'core-banking', localId: 'ACC-9' }]);
    const carol = await submit({ email: 'carol@example.com' });
    await runWorkflow(carol);
    clock.advance(6 * 366 * 86_400_000);
    const flaky = {
      ...requests,
      create: requests.create.bind(requests),
      get: requests.get.bind(requests),
    } as FakeRequestStore;
    let calls = 0;
    flaky.create = async (r) => {
      if (calls++ === 0) throw new PermanentSystemError('throttled');
      return requests.create(r);
    };
    await expect(startDueFollowUps({ ...followUpDeps(), requests: flaky })).rejects.toThrow(
      '1 of 2 due follow-ups did not start (PermanentSystemError)',
    );
    expect((await deps.followUps.due(clock.now().toISOString())).length).toBe(1);
    expect((await startDueFollowUps(followUpDeps())).started).toHaveLength(1);
  });

  it('a job that died after claiming the run picks the same run up again', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    clock.advance(6 * 366 * 86_400_000);
    const [due] = await deps.followUps.due(clock.now().toISOString());
    await deps.followUps.claimRun(due.requestId, due.key, 'RUN-CLAIMED-BEFORE-A-CRASH');
    const { started } = await startDueFollowUps(followUpDeps());
    expect(started).toEqual(['RUN-CLAIMED-BEFORE-A-CRASH']);
    expect(await requests.get('RUN-CLAIMED-BEFORE-A-CRASH')).toMatchObject({ followUp: { of: id } });
  });
});

describe('legal hold (GDPR Art. 17(3)(e))', () => {
  const operator: Actor = { role: 'operator', principal: 'op-1' };
  const holdDeps = () => ({ holds: deps.holds, ecif, audit, clock });
  const startDeps = () => ({
    followUps: deps.followUps,
    holds: deps.holds,
    ecif,
    audit,
    requests,
    workflow: new FakeRequestWorkflow(),
    clock,
    holidays: new Set<string>(),
  });
  const hold = { reason: 'Litigation on the 2024 mortgage file', reference: 'LIT-2025-014' };

  it('an erasure under a hold destroys nothing: every erase step exempt under the hold, answered partially, a held follow-up', async () => {
    await placeHold(holdDeps(), 'ALICE', hold, operator);
    const before = await ecif.getCustomer('ALICE');
    const id = await submit({ email: 'alice@example.com' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'partially_completed' });

    expect(connectors.calls).toEqual([]);
    const tasks = await requests.tasks(id);
    expect(tasks.map((t) => [t.systemId, t.state, t.fields])).toEqual([
      ['core-banking', 'exempt', []],
      ['crm', 'exempt', []],
    ]);
    for (const t of tasks) {
      expect(t.exemptions.map((e) => e.field)).toEqual((t.systemId === 'crm' ? crm : bank).fields.map((f) => f.name));
      expect(
        t.exemptions.every(
          (e) =>
            e.basis === 'legal hold LIT-2025-014' &&
            e.citation === 'GDPR Art. 17(3)(e)' &&
            e.hold === 'LIT-2025-014' &&
            !e.until,
        ),
      ).toBe(true);
    }
    expect(await requests.get(id)).toMatchObject({
      status: 'partially_completed',
      outcome: {
        result: 'partially_erased',
        reasons: [
          'core-banking: retained under legal hold LIT-2025-014 (GDPR Art. 17(3)(e)) until the hold is released (holder, transactions)',
          'crm: retained under legal hold LIT-2025-014 (GDPR Art. 17(3)(e)) until the hold is released (email, fullName)',
        ],
      },
    });
    // The golden record stays; processing is restricted to the claim; the erasure waits for the release.
    expect(await ecif.getCustomer('ALICE')).toEqual(before);
    expect((await consent.current('ALICE')).flags).toMatchObject({ erased: false, restricted: true });
    expect(await deps.followUps.held('ALICE')).toEqual([
      expect.objectContaining({
        requestId: id,
        key: 'hold:LIT-2025-014',
        reason: 'hold_released',
        state: 'held',
        hold: 'LIT-2025-014',
      }),
    ]);
    expect(await deps.followUps.due('2999-01-01T00:00:00.000Z')).toEqual([]);
    expect(outbox.sent.find((n) => n.requestId === id && n.notice.kind === 'completed')?.notice).toMatchObject({
      result: 'partially_erased',
      retained: expect.arrayContaining([expect.stringContaining('legal hold LIT-2025-014')]),
    });
  });

  it('released: the held erasure runs, erases everywhere, and stores the AML follow-up then', async () => {
    await placeHold(holdDeps(), 'ALICE', hold, operator);
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    clock.advance(30 * 86_400_000);

    const due = await dueOnRelease(startDeps(), 'ALICE');
    await releaseHold(holdDeps(), 'ALICE', operator);
    const sd = startDeps();
    const [runId] = await startFollowUps(sd, due);
    expect([...sd.workflow.started]).toEqual([runId]);
    expect(await startFollowUps(sd, due)).toEqual([]);
    expect(await requests.get(runId)).toMatchObject({ ecifId: 'ALICE', followUp: { of: id, reason: 'hold_released' } });

    expect(await runWorkflow(runId)).toEqual({ requestId: runId, status: 'completed' });
    expect(
      connectors
        .executions()
        .map((c) => c.systemId)
        .sort(),
    ).toEqual(['core-banking', 'crm']);
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('erased');
    expect(await deps.followUps.get(id, 'hold:LIT-2025-014')).toMatchObject({ state: 'done', runRequestId: runId });
    // The AML period runs from the run, which is when the erasure was done.
    expect((await deps.followUps.due('2999-01-01T00:00:00.000Z')).map((f) => [f.requestId, f.systemId])).toEqual([
      [runId, 'core-banking'],
    ]);
    expect((await audit.stream(`request:${id}`)).map((e) => e.action).filter((a) => a.includes('follow_up'))).toEqual([
      'request.follow_up_scheduled',
      'request.follow_up_started',
      'request.follow_up_completed',
    ]);
  });

  it('a retention follow-up that falls due during a hold waits for the release', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    await placeHold(holdDeps(), 'ALICE', hold, operator);
    clock.advance(6 * 366 * 86_400_000);
    expect(await startDueFollowUps(startDeps())).toEqual({ due: 1, started: [] });
    expect(await deps.followUps.held('ALICE')).toEqual([
      expect.objectContaining({ reason: 'retention_ended', state: 'held' }),
    ]);
    expect(
      (await audit.stream(`request:${id}`)).filter((e) => e.action === 'request.follow_up_held').map((e) => e.details),
    ).toEqual([
      { key: expect.stringMatching(/^retention:core-banking:/), reason: 'retention_ended', hold: 'LIT-2025-014' },
    ]);
    const due = await dueOnRelease(startDeps(), 'ALICE');
    await releaseHold(holdDeps(), 'ALICE', operator);
    expect(await startFollowUps(startDeps(), due)).toHaveLength(1);
  });

  it.each([
    { type: 'access' as const, body: {} },
    { type: 'rectification' as const, body: { corrections: { familyName: 'Corrected' } } },
    { type: 'restriction' as const, body: {} },
    { type: 'opt_out_sale_sharing' as const, body: {} },
  ])('$type goes on as usual under a hold', async ({ type, body }) => {
    await placeHold(holdDeps(), 'ALICE', hold, operator);
    const { request } = await submitRequest(
      {
        requests,
        workflow: new FakeRequestWorkflow(),
        audit,
        hash,
        clock,
        ecif,
        consent,
        outbox,
        requestKey: 'unit-test-request-key',
        holidays: new Set(),
      },
      { type, jurisdiction: 'GDPR', identifiers: { email: 'alice@example.com' }, channel: 'web', ...body },
      { role: 'customer', principal: 'ALICE' },
    );
    await runWorkflow(request.id);
    const tasks = await requests.tasks(request.id);
    expect(tasks.some((t) => t.state === 'exempt' || t.exemptions.some((e) => e.hold))).toBe(false);
    expect((await requests.get(request.id))!.outcome!.reasons.join()).not.toContain('legal hold');
    expect(await deps.followUps.held('ALICE')).toEqual([]);
  });
});

describe('recordSystemFailureStep', () => {
  it.each([
    {
      case: 'Lambda error JSON: only its message is kept',
      cause: JSON.stringify({ errorType: 'PermanentSystemError', errorMessage: '403 forbidden', trace: ['at x'] }),
      message: '403 forbidden',
    },
    { case: 'a plain cause is kept as is', cause: 'States.Timeout', message: 'States.Timeout' },
    { case: 'no cause', cause: undefined, message: '' },
    { case: 'a long cause is cut at 500 characters', cause: 'x'.repeat(800), message: 'x'.repeat(500) },
  ])('$case', async ({ cause, message }) => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    expect(
      await recordSystemFailureStep(deps, {
        requestId: id,
        systemId: 'crm',
        error: { Error: 'States.TaskFailed', Cause: cause },
      }),
    ).toEqual({
      systemId: 'crm',
      state: 'failed',
    });
    expect((await requests.getTask(id, 'crm'))!.lastError).toEqual({ name: 'States.TaskFailed', message });
    expect(audit.actions(`request:${id}`).at(-1)).toBe('request.system_failed');
  });

  it('never turns a success into a failure (a duplicate invocation of the step lost the race)', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await requests.updateTask(id, 'crm', { state: 'succeeded' });
    expect(
      await recordSystemFailureStep(deps, { requestId: id, systemId: 'crm', error: { Error: 'ConflictError' } }),
    ).toEqual({ systemId: 'crm', state: 'succeeded' });
    expect(await requests.getTask(id, 'crm')).toMatchObject({ state: 'succeeded' });
    expect(audit.actions(`request:${id}`)).not.toContain('request.system_failed');
  });

  it('names an unknown error when the state machine gives none', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await recordSystemFailureStep(deps, { requestId: id, systemId: 'crm' });
    expect((await requests.getTask(id, 'crm'))!.lastError).toEqual({ name: 'Unknown', message: '' });
  });
});

describe('idempotency: a step run twice gives the same result', () => {
  it('prepareStep: in_progress once; started, resolved and the subject audited once; the same answer', async () => {
    const id = await submit({ email: 'alice@example.com' });
    const first = await prepareStep(deps, { requestId: id });
    clock.advance(1000);
    const second = await prepareStep(deps, { requestId: id });
    const sync = { mode: 'sync', waitSeconds: 0, heartbeatSeconds: 0 };
    expect(first).toEqual({
      requestId: id,
      type: 'erasure',
      terminal: false,
      found: true,
      systems: [
        { systemId: 'core-banking', ...sync },
        { systemId: 'crm', ...sync },
      ],
    });
    expect(second).toEqual(first);
    expect(await requests.get(id)).toMatchObject({
      status: 'in_progress',
      updatedAt: T0,
      ecifId: 'ALICE',
      subjectFound: true,
    });
    // A re-run re-plans (and says so); it neither starts nor resolves again.
    expect(audit.actions(`request:${id}`)).toEqual([
      'request.received',
      'request.started',
      'request.subject_resolved',
      'request.planned',
      'request.planned',
    ]);
  });

  it('prepareStep: the same tasks, not rewritten (a started task keeps its state)', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    const tasksAfterFirst = await requests.tasks(id);
    clock.advance(60_000);
    await prepareStep(deps, { requestId: id });
    expect(await requests.tasks(id)).toEqual(tasksAfterFirst);

    await executeSystemStep(deps, { requestId: id, systemId: 'crm' });
    const third = await prepareStep(deps, { requestId: id });
    expect(third.systems).toEqual([{ systemId: 'core-banking', mode: 'sync', waitSeconds: 0, heartbeatSeconds: 0 }]);
    expect((await requests.getTask(id, 'crm'))!.state).toBe('succeeded');
  });

  it('prepareStep: the first run answers the tasks it wrote as the store holds them', async () => {
    const id = await submit({ email: 'alice@example.com' });
    const first = await prepareStep(deps, { requestId: id });
    const stored = (await requests.tasks(id)).map((t) => t.systemId);
    expect(first.systems.map((s) => s.systemId)).toEqual(stored);
    const planned = (await audit.stream(`request:${id}`)).find((e) => e.action === 'request.planned')!;
    expect((planned.details.systems as { systemId: string }[]).map((s) => s.systemId)).toEqual(stored);
  });

  it('executeSystemStep: a succeeded system is not called again', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    const first = await executeSystemStep(deps, { requestId: id, systemId: 'crm' });
    const task = await requests.getTask(id, 'crm');
    clock.advance(60_000);
    const second = await executeSystemStep(deps, { requestId: id, systemId: 'crm' });
    expect(first).toEqual({ systemId: 'crm', state: 'succeeded' });
    expect(second).toEqual(first);
    expect(connectors.executions('crm')).toHaveLength(1);
    expect(await requests.getTask(id, 'crm')).toEqual(task);
  });

  it('executeSystemStep: a task left running by a crash is run again with the same idempotency key', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await requests.updateTask(id, 'crm', { state: 'running', attempts: 1 });
    expect(await executeSystemStep(deps, { requestId: id, systemId: 'crm' })).toEqual({
      systemId: 'crm',
      state: 'succeeded',
    });
    expect(connectors.executions('crm').map((c) => c.work.idempotencyKey)).toEqual([`${id}:crm:erase`]);
    expect((await requests.getTask(id, 'crm'))!.attempts).toBe(2);
  });

  it('executeSystemStep: a task settled after the shared read is claimed by no one; the late call changes nothing', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    // The read the step shares saw crm open; an operator settled it before the claim landed.
    const snapshot = (await requests.getPlanned(id, 'crm'))!;
    await requests.updateTask(id, 'crm', {
      state: 'succeeded',
      proof: { recordsAffected: 0, fieldsChanged: [], verified: false, verification: 'operator', at: T0 },
    });
    const settled = await requests.getTask(id, 'crm');
    const read = vi.spyOn(requests, 'getPlanned').mockResolvedValueOnce(snapshot);
    const events = audit.count();
    try {
      expect(await executeSystemStep(deps, { requestId: id, systemId: 'crm' })).toEqual({
        systemId: 'crm',
        state: 'succeeded',
      });
    } finally {
      read.mockRestore();
    }
    // The call went out under the request's idempotency key (no second harm); nothing was recorded over the settled task.
    expect(connectors.executions('crm').map((c) => c.work.idempotencyKey)).toEqual([`${id}:crm:erase`]);
    expect(await requests.getTask(id, 'crm')).toEqual(settled);
    expect(audit.count()).toBe(events);
  });

  it('executeSystemStep: a transient failure is counted as its attempt and audited with it', async () => {
    connectors.set('crm', { kind: 'throw', error: () => new TransientSystemError('webhook answered 503') });
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await expect(executeSystemStep(deps, { requestId: id, systemId: 'crm' })).rejects.toBeInstanceOf(
      TransientSystemError,
    );
    await expect(executeSystemStep(deps, { requestId: id, systemId: 'crm' })).rejects.toBeInstanceOf(
      TransientSystemError,
    );
    expect(await requests.getTask(id, 'crm')).toMatchObject({
      state: 'running',
      attempts: 2,
      lastError: { name: 'TransientSystemError', message: 'webhook answered 503' },
    });
    const retrying = (await audit.stream(`request:${id}`)).filter((e) => e.action === 'request.system_retrying');
    expect(retrying.map((e) => e.details.attempt)).toEqual([1, 2]);
  });

  it('executeSystemStep: a failed or skipped task is left as it is', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await recordSystemFailureStep(deps, { requestId: id, systemId: 'crm', error: { Error: 'X' } });
    expect(await executeSystemStep(deps, { requestId: id, systemId: 'crm' })).toEqual({
      systemId: 'crm',
      state: 'failed',
    });
    expect(connectors.executions('crm')).toEqual([]);
  });

  it('finalizeStep: the same status; erasure and its audit happen once', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    const state = { request: await requests.get(id), alice: await ecif.getCustomer('ALICE'), events: audit.count() };
    clock.advance(86_400_000);
    expect(await finalizeStep(deps, { requestId: id })).toEqual({ requestId: id, status: 'completed' });
    expect(await requests.get(id)).toEqual(state.request);
    expect(await ecif.getCustomer('ALICE')).toEqual(state.alice);
    expect(audit.count()).toBe(state.events);
  });

  it('the whole workflow re-driven after it finished: the same outcome, no system called twice', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await runWorkflow(id);
    const request = await requests.get(id);
    const calls = connectors.calls.length;
    expect(await runWorkflow(id)).toBeUndefined(); // prepareStep says terminal
    expect(await requests.get(id)).toEqual(request);
    expect(connectors.calls).toHaveLength(calls);
  });

  it('re-driven after a failure: only the failed system is retried once the request is set back to pending', async () => {
    connectors.set('core-banking', { kind: 'throw', error: () => new PermanentSystemError('down') });
    const id = await submit({ email: 'alice@example.com' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'needs_attention' });
    // What an operator's retry does: the failed task back to pending, the system fixed.
    await requests.updateTask(id, 'core-banking', { state: 'pending' });
    connectors.set('core-banking', { kind: 'succeed' });
    expect(await runWorkflow(id)).toEqual({ requestId: id, status: 'completed' });
    expect(connectors.executions('crm')).toHaveLength(1);
    expect(connectors.executions('core-banking')).toHaveLength(2);
    expect((await ecif.getCustomer('ALICE'))!.status).toBe('erased');
  });
});

describe('unknown ids', () => {
  it('a step for a request that does not exist is NotFound', async () => {
    await expect(prepareStep(deps, { requestId: 'NOPE' })).rejects.toBeInstanceOf(NotFoundError);
    await expect(finalizeStep(deps, { requestId: 'NOPE' })).rejects.toBeInstanceOf(NotFoundError);
  });

  it('executing a system with no task is NotFound; a system no longer registered is a permanent failure', async () => {
    const id = await submit({ email: 'alice@example.com' });
    await prepareStep(deps, { requestId: id });
    await expect(executeSystemStep(deps, { requestId: id, systemId: 'billing' })).rejects.toMatchObject({
      extensions: { systemId: 'billing' },
    });
    systems.systems.delete('crm');
    await expect(executeSystemStep(deps, { requestId: id, systemId: 'crm' })).rejects.toBeInstanceOf(
      PermanentSystemError,
    );
  });
});
