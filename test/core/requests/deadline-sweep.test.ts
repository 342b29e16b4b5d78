/** The deadline sweeper: unanswered codes end as unverified; open requests are marked due_soon, then overdue, once each. */
import { beforeEach, describe, expect, it } from 'vitest';
import { sweepDeadlines } from '#core/requests/deadline-sweep.ts';
import { extendRequest } from '#core/requests/request-actions.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { addCustomer, anonymous, customerOf, operator, requestOf, requestWorld } from './request-fixture.ts';

let world: ReturnType<typeof requestWorld>;
const day = 86_400_000;
beforeEach(async () => {
  world = requestWorld('2025-01-31T15:00:00.000Z');
  await addCustomer(world, 'C000001', 'alice@example.com');
});

describe('sweepDeadlines', () => {
  it('ends a request whose code expired unanswered; a fresh one stays', async () => {
    const old = (await submitRequest(world.deps, requestOf(), anonymous)).request;
    world.clock.advance(16 * 60_000);
    const fresh = (await submitRequest(world.deps, requestOf({ type: 'access' }), anonymous)).request;
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 1, dueSoon: 0, overdue: 0 });
    expect((await world.requests.get(old.id))!).toMatchObject({
      status: 'unverified',
      verification: { failure: 'code_expired' },
    });
    expect((await world.requests.get(fresh.id))!.status).toBe('pending_verification');
  });

  it('marks due_soon within 7 days, then overdue past the deadline, each once, each audited', async () => {
    // GDPR: due 28 Feb 15:00.
    const request = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    world.clock.advance(20 * day);
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 0, overdue: 0 });
    world.clock.advance(2 * day); // 22 Feb: six days left
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 1, overdue: 0 });
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 0, overdue: 0 });
    world.clock.advance(7 * day); // 1 Mar
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 0, overdue: 1 });
    expect((await world.requests.get(request.id))!.attention).toBe('overdue');
    expect(
      world.audit
        .actions(`request:${request.id}`)
        .filter((a) => a.startsWith('request.due') || a === 'request.overdue'),
    ).toEqual(['request.due_soon', 'request.overdue']);
  });

  it('an extension moves the deadline the sweeper holds the request to, and clears the mark', async () => {
    const request = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    world.clock.advance(23 * day);
    await sweepDeadlines(world.deps);
    await extendRequest(world.deps, request.id, { reason: 'Archive retrieval takes several weeks.' }, operator);
    expect((await world.requests.get(request.id))!.attention).toBeUndefined();
    world.clock.advance(10 * day); // past the first deadline, well before the extended one
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 0, overdue: 0 });
  });

  it('closed requests are never marked', async () => {
    const request = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    await world.requests.seed(request.id, { status: 'completed' });
    world.clock.advance(60 * day);
    expect(await sweepDeadlines(world.deps)).toMatchObject({ unverified: 0, dueSoon: 0, overdue: 0 });
  });
});

describe('a system down for a long spell is waited for, within the deadline', () => {
  async function needingAttention(errors: string[]) {
    const request = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    for (const [i, name] of errors.entries()) {
      await world.requests.putTasksIfAbsent([
        {
          requestId: request.id,
          systemId: `sys-${i}`,
          action: 'erase',
          localId: `L-${i}`,
          state: 'failed',
          attempts: 4,
          fields: [],
          exemptions: [],
          lastError: { name, message: 'down' },
          updatedAt: request.receivedAt,
        },
      ]);
    }
    await world.requests.seed(request.id, { status: 'needs_attention' });
    return request;
  }

  it.each([
    {
      rule: 'every failed system was down (transient): run again for them',
      errors: ['TransientSystemError'],
      after: 0,
      retried: 1,
    },
    {
      rule: 'several down systems: one new run',
      errors: ['TransientSystemError', 'TransientSystemError'],
      after: 0,
      retried: 1,
    },
    {
      rule: 'a system whose call slots stayed taken (busy) is run again like a down one',
      errors: ['SystemBusyError', 'TransientSystemError'],
      after: 0,
      retried: 1,
    },
    {
      rule: 'a system that refused (permanent) waits for a person',
      errors: ['TransientSystemError', 'PermanentSystemError'],
      after: 0,
      retried: 0,
    },
    { rule: 'a step not answered in time waits for a person', errors: ['States.Timeout'], after: 0, retried: 0 },
    {
      rule: 'past the deadline it is overdue for a person, not retried',
      errors: ['TransientSystemError'],
      after: 40,
      retried: 0,
    },
  ])('$rule', async ({ errors, after, retried }) => {
    const request = await needingAttention(errors);
    world.clock.advance(after * day);
    expect(await sweepDeadlines(world.deps)).toMatchObject({ retried });
    expect((await world.requests.get(request.id))!.status).toBe(retried ? 'in_progress' : 'needs_attention');
    if (retried) {
      expect(world.workflow.calls).toBe(2);
      expect((await world.requests.tasks(request.id)).map((t) => t.state)).toEqual(errors.map(() => 'pending'));
      expect(world.audit.actions(`request:${request.id}`)).toContain('request.retried');
    }
  });

  it('counts every open request past its deadline, marked before or not (the overdue alarm)', async () => {
    await submitRequest(world.deps, requestOf(), customerOf('C000001'));
    world.clock.advance(40 * day);
    expect(await sweepDeadlines(world.deps)).toMatchObject({ overdue: 1, openOverdue: 1 });
    expect(await sweepDeadlines(world.deps)).toMatchObject({ overdue: 0, openOverdue: 1 });
  });
});
