/**
 * Operator and requester actions, each with its rule: one extension, told before the first deadline;
 * refusal with a listed reason and the right to complain; retry of the failed systems only; cancellation
 * only before execution. Each is audited; an illegal one is a 409 that changes nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { cancelRequest, denyRequest, extendRequest, retryRequest } from '#core/requests/request-actions.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { ConflictError } from '#core/shared/errors.ts';
import { addCustomer, customerOf, operator, requestOf, requestWorld } from './request-fixture.ts';

let world: ReturnType<typeof requestWorld>;
beforeEach(async () => {
  // Friday 31 January 2025: GDPR due 28 Feb, CCPA due 17 Mar.
  world = requestWorld('2025-01-31T15:00:00.000Z');
  await addCustomer(world, 'C000001', 'alice@example.com');
});

const submitted = async (jurisdiction: 'GDPR' | 'CCPA' = 'GDPR') =>
  (await submitRequest(world.deps, requestOf({ jurisdiction }), customerOf('C000001'))).request;
const reason = 'Records held in three archives must be retrieved by hand.';

describe('extend', () => {
  it.each([
    { jurisdiction: 'GDPR', extendedDueAt: '2025-04-28T15:00:00.000Z', rule: 'Art. 12(3): two further months' },
    { jurisdiction: 'CCPA', extendedDueAt: '2025-05-01T15:00:00.000Z', rule: '11 CCR §7021(b): 45 further days' },
  ] as const)(
    '$jurisdiction: $rule, told to the requester, audited without the free text',
    async ({ jurisdiction, extendedDueAt }) => {
      const request = await submitted(jurisdiction);
      const extended = await extendRequest(world.deps, request.id, { reason }, operator);
      expect(extended.extension).toEqual({ extendedDueAt, reason, at: '2025-01-31T15:00:00.000Z', by: operator });
      expect(world.outbox.sent.at(-1)).toMatchObject({
        to: { email: 'alice@example.com' },
        notice: { kind: 'extended', extendedDueAt, reason },
      });
      const event = (await world.audit.stream(`request:${request.id}`)).at(-1)!;
      expect(event).toMatchObject({
        action: 'request.extended',
        actor: operator,
        details: { extendedDueAt, reasonLength: reason.length },
      });
      expect(JSON.stringify(event)).not.toContain('archives');
    },
  );

  it('GDPR: counted from the due date the requester was told, moved off the weekend (31 Jan 2026 -> 2 Mar -> 4 May)', async () => {
    // Saturday 31 January 2026: one month ends Saturday 28 Feb, told Monday 2 March; 2 May is a Saturday.
    world = requestWorld('2026-01-31T15:00:00.000Z');
    await addCustomer(world, 'C000001', 'alice@example.com');
    const request = await submitted();
    expect(request.dueAt).toBe('2026-03-02T15:00:00.000Z');
    const extended = await extendRequest(world.deps, request.id, { reason }, operator);
    expect(extended.extension!.extendedDueAt).toBe('2026-05-04T15:00:00.000Z');
    expect((await world.requests.get(request.id))!.extension!.extendedDueAt).toBe('2026-05-04T15:00:00.000Z');
  });

  it('a second extension is refused (409), the first stands', async () => {
    const request = await submitted();
    await extendRequest(world.deps, request.id, { reason }, operator);
    await expect(extendRequest(world.deps, request.id, { reason }, operator)).rejects.toThrow(/extended once already/);
    expect((await world.requests.get(request.id))!.extension!.extendedDueAt).toBe('2025-04-28T15:00:00.000Z');
  });

  it('after the first deadline has passed, an extension is refused (409)', async () => {
    const request = await submitted();
    world.clock.advance(29 * 86_400_000);
    await expect(extendRequest(world.deps, request.id, { reason }, operator)).rejects.toThrow(
      /before the first deadline passes/,
    );
    expect((await world.requests.get(request.id))!.extension).toBeUndefined();
  });

  it('a closed request is not extended', async () => {
    const request = await submitted();
    await world.requests.seed(request.id, { status: 'completed' });
    await expect(extendRequest(world.deps, request.id, { reason }, operator)).rejects.toBeInstanceOf(ConflictError);
  });
});

describe('deny', () => {
  it('closes the request with the reason and tells the requester of the right to complain', async () => {
    const request = await submitted('CCPA');
    const denied = await denyRequest(
      world.deps,
      request.id,
      { reason: 'manifestly_unfounded', detail: 'The same request was answered last week.' },
      operator,
    );
    expect(denied).toMatchObject({
      status: 'denied',
      denial: { reason: 'manifestly_unfounded' },
      outcome: { result: 'denied' },
      completedAt: '2025-01-31T15:00:00.000Z',
    });
    const notice = world.outbox.sent.at(-1)!.notice;
    expect(notice).toMatchObject({ kind: 'denied', reason: 'manifestly_unfounded' });
    expect(notice.kind === 'denied' && notice.complaint).toMatch(/California Privacy Protection Agency/);
    expect(world.audit.actions(`request:${request.id}`).at(-1)).toBe('request.denied');
  });

  it('a request already executing cannot be refused (409)', async () => {
    const request = await submitted();
    await world.requests.seed(request.id, { status: 'in_progress' });
    await expect(
      denyRequest(world.deps, request.id, { reason: 'excessive', detail: 'Tenth request this month.' }, operator),
    ).rejects.toThrow(/in_progress cannot be denied/);
  });
});

describe('retry', () => {
  it('re-drives only the failed systems, as a new run', async () => {
    const request = await submitted();
    await world.requests.seed(request.id, { status: 'needs_attention' });
    const task = {
      requestId: request.id,
      localId: 'L',
      action: 'erase' as const,
      attempts: 4,
      fields: [],
      exemptions: [],
      updatedAt: '',
    };
    await world.requests.putTasksIfAbsent([{ ...task, systemId: 'crm', state: 'failed' }]);
    await world.requests.putTasksIfAbsent([{ ...task, systemId: 'bank', state: 'succeeded' }]);
    const retried = await retryRequest(world.deps, request.id, operator);
    expect(retried.status).toBe('in_progress');
    expect(Object.fromEntries((await world.requests.tasks(request.id)).map((t) => [t.systemId, t.state]))).toEqual({
      crm: 'pending',
      bank: 'succeeded',
    });
    expect([...world.workflow.started].at(-1)).toMatch(new RegExp(`^${request.id}-retry-\\d+$`));
    expect((await world.audit.stream(`request:${request.id}`)).at(-1)).toMatchObject({
      action: 'request.retried',
      details: { systems: ['crm'] },
    });
  });

  it('only a request that needs attention is retried (409)', async () => {
    const request = await submitted();
    await expect(retryRequest(world.deps, request.id, operator)).rejects.toThrow(/only a request that needs attention/);
  });
});

describe('cancel', () => {
  it('the requester withdraws a request not yet executing', async () => {
    const request = await submitted();
    expect(await cancelRequest(world.deps, request.id, customerOf('C000001'))).toMatchObject({
      status: 'cancelled',
      outcome: { result: 'cancelled' },
    });
  });

  it('an executing request cannot be cancelled (409) and is unchanged', async () => {
    const request = await submitted();
    await world.requests.seed(request.id, { status: 'in_progress' });
    await expect(cancelRequest(world.deps, request.id, customerOf('C000001'))).rejects.toBeInstanceOf(ConflictError);
    expect((await world.requests.get(request.id))!.status).toBe('in_progress');
  });
});
