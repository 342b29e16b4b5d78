/**
 * Legal holds: placed on a known subject only (an erased one too: its retained records may matter),
 * one per subject, restated without a second audit event, released once; audited on the subject's
 * own `hold:` stream with the operator, the reference and the reason's length (free text may name
 * anyone: never the reason itself).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { legalHoldInputSchema, placeHold, releaseHold, currentHold } from '#core/ecif/legal-hold.ts';
import { anonymized } from '#core/ecif/customer.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import { FakeAuditLog, FakeEcifRegistry, FakeLegalHolds } from '../../support/fakes.ts';

const operator = { role: 'operator' as const, principal: 'op-7' };
const input = { reason: 'Litigation hold: claim 2025/114 of Jane Roe', reference: 'LIT-2025-114' };
let deps: { holds: FakeLegalHolds; ecif: FakeEcifRegistry; audit: FakeAuditLog; clock: ReturnType<typeof fixedClock> };

beforeEach(async () => {
  const clock = fixedClock('2025-06-02T09:00:00.000Z');
  deps = { holds: new FakeLegalHolds(), ecif: new FakeEcifRegistry(), audit: new FakeAuditLog(clock), clock };
  await upsertCustomer(
    { ...deps, hash: createIdentityHasher('unit-test-pepper-0123456789') },
    'ALICE',
    {
      name: { given: 'Alice', family: 'Example' },
      addresses: [],
      emails: ['alice@example.com'],
      phones: [],
      nationalIds: [],
      crossReferences: [],
    },
    { role: 'steward', principal: 's' },
  );
});

const holdTrail = async () =>
  (await deps.audit.stream('hold:ALICE')).map((e) => [e.action, e.actor.principal, e.details]);

describe('placing and releasing', () => {
  it('places a hold once; the same again changes and audits nothing; another reference is an update', async () => {
    expect(await placeHold(deps, 'ALICE', input, operator)).toMatchObject({
      created: true,
      hold: { ecifId: 'ALICE', ...input, placedAt: '2025-06-02T09:00:00.000Z', placedBy: operator },
    });
    deps.clock.advance(60_000);
    expect((await placeHold(deps, 'ALICE', input, operator)).created).toBe(false);
    const updated = await placeHold(
      deps,
      'ALICE',
      { ...input, reference: 'LIT-2025-115' },
      { role: 'operator', principal: 'op-8' },
    );
    expect(updated).toMatchObject({
      created: false,
      hold: {
        reference: 'LIT-2025-115',
        placedAt: '2025-06-02T09:00:00.000Z',
        placedBy: operator,
        updatedAt: '2025-06-02T09:01:00.000Z',
      },
    });
    expect(await holdTrail()).toEqual([
      ['hold.placed', 'op-7', { reference: 'LIT-2025-114', reasonLength: input.reason.length }],
      [
        'hold.updated',
        'op-8',
        { reference: 'LIT-2025-115', reasonLength: input.reason.length, previousReference: 'LIT-2025-114' },
      ],
    ]);
    expect(JSON.stringify([...deps.audit.streams.values()])).not.toContain('Jane Roe');
  });

  it('releases once: a second release, or a read after it, is 404', async () => {
    await placeHold(deps, 'ALICE', input, operator);
    expect((await currentHold(deps, 'ALICE')).reference).toBe('LIT-2025-114');
    expect(await releaseHold(deps, 'ALICE', operator)).toMatchObject({ reference: 'LIT-2025-114' });
    await expect(releaseHold(deps, 'ALICE', operator)).rejects.toBeInstanceOf(NotFoundError);
    await expect(currentHold(deps, 'ALICE')).rejects.toBeInstanceOf(NotFoundError);
    expect((await holdTrail()).map(([a]) => a)).toEqual(['hold.placed', 'hold.released']);
  });

  it('a subject the ECIF does not know cannot be held; an erased one can (its retained records)', async () => {
    await expect(placeHold(deps, 'NOBODY', input, operator)).rejects.toBeInstanceOf(NotFoundError);
    expect(deps.holds.items.size).toBe(0);
    const alice = (await deps.ecif.getCustomer('ALICE'))!;
    await deps.ecif.eraseCustomer(anonymized(alice, '2025-06-02T09:00:00.000Z'), alice.identities);
    expect((await placeHold(deps, 'ALICE', input, operator)).created).toBe(true);
  });
});

describe('the hold body', () => {
  it.each([
    { case: 'a matter id', body: input, ok: true },
    { case: 'a reference with slashes and dots', body: { ...input, reference: 'REG/2025.07-a' }, ok: true },
    { case: 'a reference with spaces (a name, not an id)', body: { ...input, reference: 'Jane Roe' }, ok: false },
    { case: 'a reference of one character', body: { ...input, reference: 'X' }, ok: false },
    { case: 'a reason too short to say why', body: { ...input, reason: 'legal' }, ok: false },
    { case: 'an unknown member', body: { ...input, until: '2030-01-01' }, ok: false },
    { case: 'no reference', body: { reason: input.reason }, ok: false },
  ])('$case: valid=$ok', ({ body, ok }) => {
    expect(legalHoldInputSchema.safeParse(body).success).toBe(ok);
  });
});
