/**
 * Steps that wait: an async system accepts the work and calls back; a manual system's operator does it
 * by hand and attests it with evidence. The wait is opened before the system is asked (a fast callback
 * finds it); a callback must carry the key we sent; each step is answered once; a failure or "not
 * possible" fails the step so the request needs attention; nothing personal goes into proof or audit.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { executionOf } from '#core/connectors/system.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { acceptSystemCallback, awaitSystemStep, completeManualTask } from '#core/requests/awaited-systems.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { prepareStep } from '#core/requests/workflow.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { ConflictError, InvalidInputError, UnverifiedOutcomeError } from '#core/shared/errors.ts';
import {
  FakeAuditLog,
  FakeConnectors,
  FakeConsentLedger,
  FakeEcifRegistry,
  FakeFollowUpStore,
  FakeLegalHolds,
  FakeOutbox,
  FakeReportStore,
  FakeRequestStore,
  FakeRequestWorkflow,
  FakeSystemsRegistry,
} from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const operator: Actor = { role: 'operator', principal: 'op-7' };
const T0 = '2025-06-02T09:00:00.000Z';
const base = {
  capabilities: ['erase', 'access'] as ConnectedSystem['capabilities'],
  recipient: false,
  concurrency: 4,
  updatedAt: T0,
};
const marketing: ConnectedSystem = {
  ...base,
  systemId: 'marketing',
  name: 'Marketing',
  connector: {
    kind: 'http',
    url: 'https://mkt.example.com/hook',
    mode: 'async',
    timeoutMs: 5000,
    callbackTimeoutSeconds: 3600,
    heartbeatSeconds: 600,
  },
  fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
};
const archive: ConnectedSystem = {
  ...base,
  systemId: 'paper-archive',
  name: 'Paper archive',
  connector: { kind: 'manual', queue: 'privacy-operators', timeoutDays: 10 },
  fields: [{ name: 'letters', category: 'other', strategy: 'delete_row' }],
};

let clock: ReturnType<typeof fixedClock>;
let requests: FakeRequestStore;
let audit: FakeAuditLog;
let workflow: FakeRequestWorkflow;
let connectors: FakeConnectors;
let deps: Parameters<typeof awaitSystemStep>[0] & Parameters<typeof acceptSystemCallback>[0];
let requestId: string;

beforeEach(async () => {
  clock = fixedClock(T0);
  requests = new FakeRequestStore();
  audit = new FakeAuditLog(clock);
  workflow = new FakeRequestWorkflow();
  connectors = new FakeConnectors();
  const ecif = new FakeEcifRegistry();
  const consent = new FakeConsentLedger();
  const outbox = new FakeOutbox();
  deps = {
    requests,
    ecif,
    systems: new FakeSystemsRegistry([marketing, archive]),
    consent,
    audit,
    clock,
    outbox,
    hash,
    reports: new FakeReportStore(),
    followUps: new FakeFollowUpStore(),
    holds: new FakeLegalHolds(),
    connectorFor: connectors.connectorFor,
    workflow,
    callbackBaseUrl: 'https://privacy.example.com/',
  };
  await upsertCustomer(
    { ecif, audit, hash, clock },
    'ALICE',
    {
      name: { given: 'Alice', family: 'Example' },
      addresses: [],
      emails: ['alice@example.com'],
      phones: [],
      nationalIds: [],
      crossReferences: [
        { systemId: 'marketing', localId: 'M-1' },
        { systemId: 'paper-archive', localId: 'BOX-9' },
      ],
    },
    { role: 'steward', principal: 's' },
  );
  const { request } = await submitRequest(
    { requests, workflow, audit, hash, clock, ecif, consent, outbox, requestKey: 'k', holidays: new Set() },
    { type: 'erasure', jurisdiction: 'GDPR', identifiers: {}, channel: 'web' },
    { role: 'customer', principal: 'ALICE' },
  );
  requestId = request.id;
  await prepareStep(deps, { requestId });
});

const callbackOf = (over: Partial<Parameters<typeof acceptSystemCallback>[3]> = {}) => ({
  idempotencyKey: `${requestId}:marketing:erase:erase`,
  status: 'succeeded' as const,
  recordsAffected: 1,
  ...over,
});

describe('how a system step runs', () => {
  it.each([
    {
      rule: 'a sync http system answers at once',
      system: { connector: { kind: 'http', url: 'https://x.example.com', mode: 'sync', timeoutMs: 5000 } },
      want: { mode: 'sync' },
    },
    {
      rule: 'an async system waits its callback timeout, a day by default',
      system: { connector: { kind: 'http', url: 'https://x.example.com', mode: 'async', timeoutMs: 5000 } },
      want: { mode: 'callback', waitSeconds: 86_400, heartbeatSeconds: 86_399 },
    },
    {
      rule: 'a heartbeat is always shorter than the timeout (Step Functions requires it)',
      system: {
        connector: {
          kind: 'http',
          url: 'https://x.example.com',
          mode: 'async',
          timeoutMs: 5000,
          callbackTimeoutSeconds: 60,
          heartbeatSeconds: 600,
        },
      },
      want: { mode: 'callback', waitSeconds: 60, heartbeatSeconds: 59 },
    },
    {
      rule: 'a manual task waits 14 days by default',
      system: { connector: { kind: 'manual', queue: 'q' } },
      want: { mode: 'operator', waitSeconds: 14 * 86_400 },
    },
  ] as const)('$rule', ({ system, want }) => {
    expect(executionOf(system as Pick<ConnectedSystem, 'connector'>)).toMatchObject(want);
  });

  it('the plan tells the Map which systems wait, and how long', async () => {
    const plan = await prepareStep(deps, { requestId });
    expect(plan.systems).toEqual([
      { systemId: 'marketing', mode: 'callback', waitSeconds: 3600, heartbeatSeconds: 600 },
      { systemId: 'paper-archive', mode: 'operator', waitSeconds: 10 * 86_400, heartbeatSeconds: 10 * 86_400 - 1 },
    ]);
  });
});

describe('an async system', () => {
  it('is asked with the callback address after the wait is opened, and the step waits', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    expect(connectors.calls).toEqual([
      expect.objectContaining({
        op: 'start',
        callback: {
          path: `/v1/callbacks/${requestId}/marketing`,
          url: `https://privacy.example.com/v1/callbacks/${requestId}/marketing`,
        },
      }),
    ]);
    expect(await requests.getTask(requestId, 'marketing')).toMatchObject({
      state: 'waiting',
      attempts: 1,
      waiting: { for: 'callback', since: T0, until: '2025-06-02T10:00:00.000Z', token: 'tok-1' },
    });
    expect(workflow.answers.size).toBe(0);
    expect((await audit.stream(`request:${requestId}`)).map((e) => e.action)).toContain('request.system_waiting');
  });

  it('its callback records the proof and hands the step back, once', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    expect(await acceptSystemCallback(deps, requestId, 'marketing', callbackOf())).toEqual({
      accepted: true,
      state: 'succeeded',
    });
    expect(await requests.getTask(requestId, 'marketing')).toMatchObject({
      state: 'succeeded',
      proof: { recordsAffected: 1, fieldsChanged: ['email'], verified: false },
    });
    expect(workflow.answers.get('tok-1')).toEqual({
      kind: 'success',
      output: { systemId: 'marketing', state: 'succeeded' },
    });
    // The same callback again (a replay): refused, nothing changes.
    await expect(acceptSystemCallback(deps, requestId, 'marketing', callbackOf())).rejects.toBeInstanceOf(
      ConflictError,
    );
    expect(
      (await audit.stream(`request:${requestId}`)).filter((e) => e.action === 'request.system_succeeded'),
    ).toHaveLength(1);
  });

  it('a callback with another step’s key is refused and changes nothing', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    await expect(
      acceptSystemCallback(
        deps,
        requestId,
        'marketing',
        callbackOf({ idempotencyKey: 'someone-else:marketing:erase:erase' }),
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect((await requests.getTask(requestId, 'marketing'))!.state).toBe('waiting');
    expect(workflow.answers.size).toBe(0);
  });

  it('a succeeded callback the read-back disproves: a 4xx kind, the step fails as unverified, the disagreement audited', async () => {
    connectors.set('marketing', {
      kind: 'succeed',
      verification: { verified: false, remaining: ['email'], method: 'webhook-verify' },
    });
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    const refused = await acceptSystemCallback(deps, requestId, 'marketing', callbackOf()).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UnverifiedOutcomeError);
    expect(refused).toMatchObject({ extensions: { remaining: ['email'] } });
    expect(workflow.answers.get('tok-1')).toEqual({
      kind: 'failure',
      error: 'UnverifiedOutcome',
      cause: 'read-back found fields not erased: email',
    });
    expect((await requests.getTask(requestId, 'marketing'))!.state).not.toBe('succeeded');
    const events = (await audit.stream(`request:${requestId}`)).filter((e) => e.action === 'request.system_unverified');
    expect(events).toHaveLength(1);
    expect(events[0]!.details).toEqual({
      action: 'erase',
      claimed: 'succeeded',
      remaining: ['email'],
      verification: 'webhook-verify',
    });
  });

  it('a callback before the step waits is a conflict', async () => {
    await expect(acceptSystemCallback(deps, requestId, 'marketing', callbackOf())).rejects.toBeInstanceOf(
      ConflictError,
    );
  });

  it('progress is a heartbeat; a reported failure fails the step for the Catch to record', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    expect(await acceptSystemCallback(deps, requestId, 'marketing', callbackOf({ status: 'in_progress' }))).toEqual({
      accepted: true,
      state: 'waiting',
    });
    expect(workflow.heartbeats).toEqual(['tok-1']);
    await acceptSystemCallback(
      deps,
      requestId,
      'marketing',
      callbackOf({ status: 'failed', error: 'contact locked by a campaign' }),
    );
    expect(workflow.answers.get('tok-1')).toEqual({
      kind: 'failure',
      error: 'SystemReportedFailure',
      cause: 'contact locked by a campaign',
    });
  });

  it('a re-driven step whose task is settled is handed straight back, the system not asked again', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    await acceptSystemCallback(deps, requestId, 'marketing', callbackOf());
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-2' });
    expect(connectors.calls.filter((c) => c.op === 'start')).toHaveLength(1);
    expect(workflow.answers.get('tok-2')).toEqual({
      kind: 'success',
      output: { systemId: 'marketing', state: 'succeeded' },
    });
  });
});

describe('a manual system', () => {
  it('opens an operator task without calling anything', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'paper-archive', taskToken: 'tok-m' });
    expect(connectors.calls).toEqual([]);
    expect(await requests.getTask(requestId, 'paper-archive')).toMatchObject({
      state: 'waiting',
      waiting: { for: 'operator', until: '2025-06-12T09:00:00.000Z' },
    });
    expect(
      (await audit.stream(`request:${requestId}`)).find((e) => e.action === 'request.manual_task_opened'),
    ).toMatchObject({ details: { fields: ['letters'] } });
  });

  it('done: the operator’s attestation is the proof, audited under the operator', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'paper-archive', taskToken: 'tok-m' });
    await completeManualTask(
      deps,
      requestId,
      'paper-archive',
      { outcome: 'done', evidence: { reference: 'TICKET-4411' }, recordsAffected: 3 },
      operator,
    );
    expect(await requests.getTask(requestId, 'paper-archive')).toMatchObject({
      state: 'succeeded',
      proof: { recordsAffected: 3, verified: false, verification: 'operator-attested', evidence: 'TICKET-4411' },
    });
    const done = (await audit.stream(`request:${requestId}`)).find((e) => e.action === 'request.system_succeeded')!;
    expect(done.actor).toEqual(operator);
    expect(workflow.answers.get('tok-m')?.kind).toBe('success');
  });

  it('not possible: needs a reason, and fails the step', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'paper-archive', taskToken: 'tok-m' });
    await expect(
      completeManualTask(
        deps,
        requestId,
        'paper-archive',
        { outcome: 'not_possible', evidence: { reference: 'TICKET-1' } },
        operator,
      ),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await completeManualTask(
      deps,
      requestId,
      'paper-archive',
      { outcome: 'not_possible', evidence: { reference: 'TICKET-1' }, reason: 'archive box destroyed in 2019' },
      operator,
    );
    expect(workflow.answers.get('tok-m')).toEqual({
      kind: 'failure',
      error: 'ManualTaskNotPossible',
      cause: 'archive box destroyed in 2019',
    });
  });

  it('an async system’s step cannot be closed as a manual task, nor the reverse', async () => {
    await awaitSystemStep(deps, { requestId, systemId: 'marketing', taskToken: 'tok-1' });
    await awaitSystemStep(deps, { requestId, systemId: 'paper-archive', taskToken: 'tok-m' });
    await expect(
      completeManualTask(
        deps,
        requestId,
        'marketing',
        { outcome: 'done', evidence: { reference: 'TICKET-1' } },
        operator,
      ),
    ).rejects.toBeInstanceOf(ConflictError);
    await expect(
      acceptSystemCallback(deps, requestId, 'paper-archive', {
        ...callbackOf(),
        idempotencyKey: `${requestId}:paper-archive:erase:erase`,
      }),
    ).rejects.toBeInstanceOf(ConflictError);
  });
});
