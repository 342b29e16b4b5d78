/**
 * Follow-ups and legal holds on DynamoDB Local (the synthesized tables): the due index answers by date
 * with a Query (due at the instant included, later not, earliest first), a held follow-up is found by
 * its subject only, every move is conditional on the state read, and two job runs at once start one
 * erasure run; of two releases of a hold, one gets it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FollowUp } from '#core/requests/follow-ups.ts';
import { startDueFollowUps } from '#core/requests/follow-ups.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { newId } from '#core/shared/ids.ts';
import { FakeRequestWorkflow } from '../../support/fakes.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const at = '2026-06-01T00:00:00.000Z';
function followUp(over: Partial<FollowUp> = {}): FollowUp {
  const ecifId = over.ecifId ?? `S-${newId()}`;
  return {
    requestId: newId(),
    key: 'retention:core-banking:2031-06-01T00:00:00.000Z',
    reason: 'retention_ended',
    state: 'scheduled',
    ecifId,
    jurisdiction: 'GDPR',
    dueAt: '2031-06-01T00:00:00.000Z',
    basis: 'AML record-keeping',
    systemId: 'core-banking',
    localId: 'ACC-1',
    fields: [{ name: 'balance', strategy: 'null' }],
    createdAt: at,
    updatedAt: at,
    ...over,
  };
}

describe('follow-up store', () => {
  it('stores once; the due index answers by date, earliest first, the instant itself included', async () => {
    const f = stores.deps.followUps;
    const base = '2090-01-01T00:00:00.000Z';
    const early = followUp({ dueAt: '2090-01-01T00:00:00.000Z' });
    const later = followUp({ dueAt: '2090-01-01T00:00:00.001Z' });
    const held = followUp({ state: 'held', dueAt: undefined, key: 'hold:LIT-1', reason: 'hold_released' });
    expect(await f.putIfAbsent(later)).toBe(true);
    expect(await f.putIfAbsent(early)).toBe(true);
    expect(await f.putIfAbsent(held)).toBe(true);
    expect(await f.putIfAbsent({ ...early, basis: 'changed' })).toBe(false);
    const due = (await f.due(base, 1000)).filter((x) => x.dueAt!.startsWith('2090'));
    expect(due.map((x) => x.requestId)).toEqual([early.requestId]);
    expect(
      (await f.due('2090-01-01T00:00:00.001Z', 1000))
        .filter((x) => x.dueAt!.startsWith('2090'))
        .map((x) => x.requestId),
    ).toEqual([early.requestId, later.requestId]);
    expect(await f.held(held.ecifId)).toEqual([held]);
    expect(await f.held(early.ecifId)).toEqual([]);
    expect(await f.get(early.requestId, early.key)).toEqual({ ...early });
  });

  it('moves only from the state read: of parallel moves one wins; started leaves the due index; held → scheduled enters it', async () => {
    const f = stores.deps.followUps;
    const one = followUp({ dueAt: '2091-01-01T00:00:00.000Z' });
    await f.putIfAbsent(one);
    const moves = await Promise.all(
      [1, 2, 3, 4].map(() => f.move(one.requestId, one.key, 'scheduled', { state: 'started', updatedAt: at })),
    );
    expect(moves.filter(Boolean)).toHaveLength(1);
    expect((await f.due('2091-12-31T00:00:00.000Z', 1000)).map((x) => x.requestId)).not.toContain(one.requestId);

    const held = followUp({ state: 'held', dueAt: undefined });
    await f.putIfAbsent(held);
    expect(
      await f.move(held.requestId, held.key, 'held', {
        state: 'scheduled',
        dueAt: '2092-01-01T00:00:00.000Z',
        updatedAt: at,
      }),
    ).toBe(true);
    expect(await f.held(held.ecifId)).toEqual([]);
    expect((await f.due('2092-01-01T00:00:00.000Z', 1000)).map((x) => x.requestId)).toContain(held.requestId);
    expect(await f.move('NOPE', held.key, 'held', { state: 'scheduled', updatedAt: at })).toBe(false);
  });

  it('claims one run id whatever the number of claimants', async () => {
    const one = followUp();
    await stores.deps.followUps.putIfAbsent(one);
    const claims = await Promise.all(
      ['A', 'B', 'C', 'D', 'E'].map((id) => stores.deps.followUps.claimRun(one.requestId, one.key, `RUN-${id}`)),
    );
    expect(new Set(claims).size).toBe(1);
    expect((await stores.deps.followUps.get(one.requestId, one.key))?.runRequestId).toBe(claims[0]);
  });

  it('two job runs at once start one erasure run, audited once', async () => {
    const one = followUp({ dueAt: '2093-01-01T00:00:00.000Z', ecifId: `S-${newId()}` });
    await stores.deps.followUps.putIfAbsent(one);
    const workflow = new FakeRequestWorkflow();
    const job = { ...stores.deps, workflow, clock: fixedClock('2093-01-01T00:00:00.000Z') };
    const runs = await Promise.all([startDueFollowUps(job, 1000), startDueFollowUps(job, 1000)]);
    // (The other tests' follow-ups are due by then too: this one's run is the one claimed on it.)
    const run = (await stores.deps.followUps.get(one.requestId, one.key))!.runRequestId!;
    const started = runs.flatMap((r) => r.started).filter((id) => id === run);
    expect(started).toEqual([run]);
    expect(await stores.deps.followUps.get(one.requestId, one.key)).toMatchObject({ state: 'started' });
    expect(await stores.deps.requests.get(started[0])).toMatchObject({
      type: 'erasure',
      status: 'received',
      followUp: { of: one.requestId, key: one.key },
    });
    const trail = (await stores.deps.audit.stream(`request:${one.requestId}`)).map((e) => e.action);
    expect(trail).toEqual(['request.follow_up_started']);
    expect((await stores.deps.audit.stream(`request:${started[0]}`)).map((e) => e.action)).toEqual([
      'request.received',
    ]);
  });
});

describe('legal holds', () => {
  it('one per subject; of parallel releases exactly one gets the hold', async () => {
    const holds = stores.deps.holds;
    const hold = {
      ecifId: 'H-1',
      reason: 'Litigation on file 7',
      reference: 'LIT-7',
      placedAt: at,
      placedBy: { role: 'operator' as const, principal: 'op' },
      updatedAt: at,
    };
    await holds.put(hold);
    await holds.put({ ...hold, reference: 'LIT-8' });
    expect(await holds.get('H-1')).toEqual({ ...hold, reference: 'LIT-8' });
    const released = await Promise.all([1, 2, 3].map(() => holds.remove('H-1')));
    expect(released.filter(Boolean)).toEqual([{ ...hold, reference: 'LIT-8' }]);
    expect(await holds.remove('H-1')).toBeUndefined();
    expect(await holds.get('H-1')).toBeUndefined();
    // The golden record's partition is not disturbed: a hold is its own item.
    expect(await stores.deps.ecif.crossReferences('H-1')).toEqual([]);
  });
});
