/**
 * Submitting a privacy request: accepted at once with its statutory deadlines; a signed-in customer is
 * verified by its login and runs; anyone else waits for a code sent to a contact on file, and the answer
 * never says whether anyone matched; opt-outs take effect at once; a second open request of one type
 * for one subject is answered with the first (Idempotency-Key is the chain's: test/e2e/idempotency.test.ts).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { InvalidInputError } from '#core/shared/errors.ts';
import { addCustomer, anonymous, customerOf, hash, operator, requestOf, requestWorld } from './request-fixture.ts';

let world: ReturnType<typeof requestWorld>;
beforeEach(async () => {
  // Friday 31 January 2025.
  world = requestWorld('2025-01-31T15:00:00.000Z');
  await addCustomer(world, 'C000001', 'alice@example.com');
  await addCustomer(world, 'C000002', undefined, '+442079460123');
});

const customer = customerOf('C000001');

describe('deadlines and record', () => {
  it.each([
    {
      jurisdiction: 'GDPR',
      rule: 'GDPR Art. 12(3): one month (31 Jan -> 28 Feb, a Friday)',
      dueAt: '2025-02-28T15:00:00.000Z',
    },
    { jurisdiction: 'CCPA', rule: '11 CCR §7021: 45 calendar days', dueAt: '2025-03-17T15:00:00.000Z' },
  ] as const)('$jurisdiction: $rule; acknowledgement in 10 business days', async ({ jurisdiction, dueAt }) => {
    const { request } = await submitRequest(world.deps, requestOf({ jurisdiction }), customer);
    expect(request).toMatchObject({
      type: 'erasure',
      jurisdiction,
      channel: 'web',
      status: 'received',
      ecifId: 'C000001',
      verification: { state: 'verified', method: 'login' },
      receivedAt: '2025-01-31T15:00:00.000Z',
      ackDueAt: '2025-02-14T15:00:00.000Z',
      dueAt,
    });
    expect(await world.requests.get(request.id)).toEqual(request);
  });

  it('stores identifiers only as keyed hashes, never in clear', async () => {
    const { request } = await submitRequest(
      world.deps,
      requestOf({ identifiers: { email: 'alice@example.com', phone: '+44 20 7946 0123' } }),
      anonymous,
    );
    expect(JSON.stringify(await world.requests.get(request.id))).not.toMatch(/alice|example|7946/i);
    expect(request.identityKeys).toEqual(
      identityKeysOf({ email: 'alice@example.com', phone: '+44 20 7946 0123' }, hash),
    );
  });

  it('refuses an invalid identifier with nothing stored', async () => {
    await expect(submitRequest(world.deps, requestOf({ identifiers: { phone: '12' } }), anonymous)).rejects.toThrow(
      InvalidInputError,
    );
    expect(world.requests.requests.size).toBe(0);
  });
});

describe('who is verified how', () => {
  it('a signed-in customer is verified by the login, acknowledged, and the workflow starts', async () => {
    const { request } = await submitRequest(world.deps, requestOf(), customer);
    expect(request.status).toBe('received');
    expect([...world.workflow.started]).toEqual([request.id]);
    expect(world.outbox.kinds(request.id)).toEqual(['acknowledged']);
  });

  it.each([
    { who: 'an anonymous requester', actor: anonymous },
    { who: 'an operator filing for someone', actor: operator },
  ])('$who waits for a code sent to the email on file; nothing runs yet', async ({ actor }) => {
    const { request, requesterKey } = await submitRequest(world.deps, requestOf(), actor);
    expect(request.status).toBe('pending_verification');
    expect(request.verification).toMatchObject({
      state: 'pending',
      method: 'code',
      attempts: 0,
      codeExpiresAt: '2025-01-31T15:15:00.000Z',
    });
    expect(world.outbox.sent).toEqual([
      {
        requestId: request.id,
        to: { email: 'alice@example.com' },
        notice: { kind: 'verification_code', code: expect.stringMatching(/^\d{6}$/), minutes: 15 },
      },
    ]);
    expect(requesterKey).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect(world.workflow.calls).toBe(0);
    // The code is stored as a keyed hash only.
    expect(JSON.stringify(await world.requests.get(request.id))).not.toContain(world.outbox.codeFor(request.id));
  });

  it('the code goes to the contact on file, never to what the requester typed', async () => {
    // Typed: an email nobody has, and the phone of C000002 (whose only contact on file is that phone).
    const { request } = await submitRequest(
      world.deps,
      requestOf({ identifiers: { phone: '+44 20 7946 0123' } }),
      anonymous,
    );
    expect(world.outbox.sent.map((n) => n.to)).toEqual([{ phone: '+442079460123' }]);
    expect(request.ecifId).toBe('C000002');
  });

  it('identifiers that name no one get the same answer, and nothing is sent', async () => {
    const known = await submitRequest(world.deps, requestOf(), anonymous);
    const unknown = await submitRequest(
      world.deps,
      requestOf({ identifiers: { email: 'nobody@example.com' } }),
      anonymous,
    );
    const shape = (r: typeof known.request) => ({
      status: r.status,
      verification: { ...r.verification, codeHash: typeof r.verification.codeHash },
    });
    expect(shape(unknown.request)).toEqual(shape(known.request));
    expect(world.outbox.sent.filter((n) => n.requestId === unknown.request.id)).toEqual([]);
    expect(unknown.requesterKey).toBeDefined();
  });

  it('identifiers pointing at two different customers match no one', async () => {
    const { request } = await submitRequest(
      world.deps,
      requestOf({ identifiers: { email: 'alice@example.com', phone: '+442079460123' } }),
      anonymous,
    );
    expect(request.ecifId).toBeUndefined();
    expect(world.outbox.sent).toEqual([]);
  });
});

describe('opt-outs and objection take effect at once, without verification (11 CCR §7025-7026, Art. 21(3))', () => {
  it.each([
    { type: 'opt_out_sale_sharing', flags: { optOutSale: true, optOutSharing: true } },
    { type: 'limit_sensitive', flags: { limitSensitive: true } },
    { type: 'objection', flags: { objectedDirectMarketing: true } },
  ] as const)('$type sets its flags now and starts the fan-out', async ({ type, flags }) => {
    const { request } = await submitRequest(world.deps, requestOf({ type, jurisdiction: 'CCPA' }), anonymous);
    expect(request).toMatchObject({
      status: 'received',
      verification: { state: 'verified', method: 'not_required' },
      ecifId: 'C000001',
    });
    expect((await world.consent.current('C000001')).flags).toMatchObject(flags);
    expect([...world.workflow.started]).toEqual([request.id]);
    expect(world.audit.actions(`request:${request.id}`)).toEqual(['request.received', 'request.consent_flags_set']);
  });

  it('an opt-out that names no one sets nothing and still runs (to answer "no data held")', async () => {
    const { request } = await submitRequest(
      world.deps,
      requestOf({ type: 'opt_out_sale_sharing', identifiers: { email: 'nobody@example.com' } }),
      anonymous,
    );
    expect(request.ecifId).toBeUndefined();
    expect(world.workflow.calls).toBe(1);
  });
});

describe('the duplicate rule', () => {
  it("a signed-in customer's second open request of one type is answered with the first", async () => {
    const first = await submitRequest(world.deps, requestOf(), customer);
    const second = await submitRequest(world.deps, requestOf(), customer);
    expect(second).toMatchObject({ duplicate: true, request: { id: first.request.id } });
    expect(world.requests.requests.size).toBe(1);
  });

  it('another type, or a closed first request, is a new request', async () => {
    const first = await submitRequest(world.deps, requestOf(), customer);
    const access = await submitRequest(world.deps, requestOf({ type: 'access' }), customer);
    expect(access.request.id).not.toBe(first.request.id);
    await world.requests.update(first.request.id, { status: 'completed' });
    const again = await submitRequest(world.deps, requestOf(), customer);
    expect(again.duplicate).toBeUndefined();
    expect(again.request.id).not.toBe(first.request.id);
  });
});

describe('rectification carries its corrections', () => {
  it('keeps the corrected values on the request until it closes', async () => {
    const { request } = await submitRequest(
      world.deps,
      requestOf({ type: 'rectification', corrections: { familyName: 'Smith' } }),
      customer,
    );
    expect(request.corrections).toEqual({ familyName: 'Smith' });
  });
});
