/**
 * Submitting a privacy request: accepted at once (202) with its statutory deadlines, its
 * verification state and hashed identifiers only; an Idempotency-Key replays the first request.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import type { RequestInput } from '#core/requests/request.ts';
import { submitRequest, type SubmitDeps } from '#core/requests/submit-request.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { IdempotencyKeyReusedError, InvalidInputError } from '#core/shared/errors.ts';
import { FakeAuditLog, FakeRequestStore, FakeRequestWorkflow } from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const anonymous: Actor = { role: 'anonymous', principal: 'anonymous' };
const customer: Actor = { role: 'customer', principal: 'C000001' };
const operator: Actor = { role: 'operator', principal: 'op-7' };

let requests: FakeRequestStore;
let workflow: FakeRequestWorkflow;
let audit: FakeAuditLog;
let clock: ReturnType<typeof fixedClock>;
let deps: SubmitDeps;

beforeEach(() => {
  // Friday 31 January 2025.
  clock = fixedClock('2025-01-31T15:00:00.000Z');
  requests = new FakeRequestStore();
  workflow = new FakeRequestWorkflow();
  audit = new FakeAuditLog(clock);
  deps = { requests, workflow, audit, hash, clock };
});

const erasure = (over: Partial<RequestInput> = {}): RequestInput => ({
  type: 'erasure',
  jurisdiction: 'GDPR',
  identifiers: { email: 'Alice@Example.com' },
  channel: 'web',
  ...over,
});

describe('submitRequest', () => {
  it.each([
    { jurisdiction: 'GDPR', rule: 'GDPR Art. 12(3): one month (31 Jan -> 28 Feb)', dueAt: '2025-02-28T15:00:00.000Z' },
    { jurisdiction: 'CCPA', rule: '11 CCR §7021: 45 calendar days', dueAt: '2025-03-17T15:00:00.000Z' },
  ] as const)('$jurisdiction: $rule; acknowledgement in 10 business days', async ({ jurisdiction, dueAt }) => {
    const { request, replayed } = await submitRequest(deps, erasure({ jurisdiction }), anonymous);
    expect(replayed).toBe(false);
    expect(request).toEqual({
      id: expect.stringMatching(/^[0-9A-HJKMNP-TV-Z]{26}$/),
      type: 'erasure',
      jurisdiction,
      channel: 'web',
      status: 'received',
      identityKeys: identityKeysOf({ email: 'alice@example.com' }, hash),
      verification: { state: 'pending', method: 'pending-placeholder' },
      receivedAt: '2025-01-31T15:00:00.000Z',
      ackDueAt: '2025-02-14T15:00:00.000Z',
      dueAt,
      updatedAt: '2025-01-31T15:00:00.000Z',
    });
    expect(await requests.get(request.id)).toEqual(request);
  });

  it.each([
    { who: 'a signed-in customer is verified by the login and is its ecifId', actor: customer, verification: { state: 'verified', method: 'login' }, ecifId: 'C000001' },
    { who: 'an anonymous requester waits for verification', actor: anonymous, verification: { state: 'pending', method: 'pending-placeholder' }, ecifId: undefined },
    { who: 'an operator filing for someone waits for verification', actor: operator, verification: { state: 'pending', method: 'pending-placeholder' }, ecifId: undefined },
  ] as const)('$who', async ({ actor, verification, ecifId }) => {
    const { request } = await submitRequest(deps, erasure(), actor);
    expect(request.verification).toEqual(verification);
    expect(request.ecifId).toBe(ecifId);
  });

  it('stores identifiers only as keyed hashes, never in clear', async () => {
    const { request } = await submitRequest(deps, erasure({ identifiers: { email: 'alice@example.com', phone: '+44 20 7946 0123' } }), anonymous);
    const stored = JSON.stringify(await requests.get(request.id));
    expect(stored).not.toMatch(/alice|example|7946/i);
    expect(request.identityKeys.map((k) => k.kind)).toEqual(['email', 'phone']);
  });

  it('audits the receipt (kinds, not values) and starts the workflow', async () => {
    const { request } = await submitRequest(deps, erasure({ identifiers: { email: 'alice@example.com', nationalId: { country: 'GB', value: 'QQ123456C' } } }), anonymous);
    const events = await audit.stream(`request:${request.id}`);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      actor: anonymous,
      action: 'request.received',
      target: { requestId: request.id },
      details: { type: 'erasure', jurisdiction: 'GDPR', channel: 'web', identifierKinds: ['email', 'national_id'], verification: 'pending', dueAt: '2025-02-28T15:00:00.000Z' },
    });
    expect(JSON.stringify(events)).not.toMatch(/alice|QQ123456C/i);
    expect([...workflow.started]).toEqual([request.id]);
  });

  it.each(['access', 'portability', 'rectification', 'restriction', 'objection', 'opt_out_sale_sharing', 'limit_sensitive'] as const)(
    'refuses type %s (not carried out yet) with nothing stored or started',
    async (type) => {
      const err = await submitRequest(deps, erasure({ type }), anonymous).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidInputError);
      expect((err as InvalidInputError).extensions).toEqual({ supported: ['erasure'] });
      expect(requests.requests.size).toBe(0);
      expect(workflow.calls).toBe(0);
      expect(audit.count()).toBe(0);
    },
  );

  it('refuses an invalid identifier with nothing stored', async () => {
    await expect(submitRequest(deps, erasure({ identifiers: { phone: '12' } }), anonymous)).rejects.toThrow(InvalidInputError);
    expect(requests.requests.size).toBe(0);
  });

  describe('Idempotency-Key', () => {
    it('the same key and body replays the first request: one request, one audit event, the workflow (re)started', async () => {
      const first = await submitRequest(deps, erasure(), customer, 'key-1');
      clock.advance(60_000);
      const second = await submitRequest(deps, erasure(), customer, 'key-1');
      expect(second).toEqual({ request: first.request, replayed: true });
      expect(requests.requests.size).toBe(1);
      expect(audit.actions(`request:${first.request.id}`)).toEqual(['request.received']);
      expect(audit.count()).toBe(1);
      // Started again on a replay: the first attempt may have died before starting it.
      expect(workflow.calls).toBe(2);
      expect([...workflow.started]).toEqual([first.request.id]);
    });

    it('the same body with keys in another order is the same body (canonical JSON)', async () => {
      const first = await submitRequest(deps, erasure(), customer, 'key-1');
      const reordered = { channel: 'web', identifiers: { email: 'Alice@Example.com' }, jurisdiction: 'GDPR', type: 'erasure' } as RequestInput;
      expect((await submitRequest(deps, reordered, customer, 'key-1')).request.id).toBe(first.request.id);
    });

    it('the same key with another body is refused', async () => {
      await submitRequest(deps, erasure(), customer, 'key-1');
      await expect(submitRequest(deps, erasure({ jurisdiction: 'CCPA' }), customer, 'key-1')).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
      expect(requests.requests.size).toBe(1);
    });

    it('a key is scoped to its caller: another caller with the same key gets its own request', async () => {
      const a = await submitRequest(deps, erasure(), customer, 'key-1');
      const b = await submitRequest(deps, erasure(), { role: 'customer', principal: 'C000002' }, 'key-1');
      const c = await submitRequest(deps, erasure(), operator, 'key-1');
      expect(new Set([a.request.id, b.request.id, c.request.id]).size).toBe(3);
      expect([a.replayed, b.replayed, c.replayed]).toEqual([false, false, false]);
    });

    it('without a key, every submission is a new request', async () => {
      const a = await submitRequest(deps, erasure(), customer);
      const b = await submitRequest(deps, erasure(), customer);
      expect(a.request.id).not.toBe(b.request.id);
      expect(requests.requests.size).toBe(2);
    });
  });
});
