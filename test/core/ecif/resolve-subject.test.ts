/**
 * Subject resolution: a request's identifiers name a customer only when every identifier that
 * matches points to that one customer; two customers behind one request is no match, not a guess.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { anonymized } from '#core/ecif/customer.ts';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import { resolveByKeys, resolveSubject } from '#core/ecif/resolve-subject.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeEcifRegistry } from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
let ecif: FakeEcifRegistry;

beforeEach(async () => {
  const clock = fixedClock('2025-06-01T10:00:00.000Z');
  ecif = new FakeEcifRegistry();
  const deps = { ecif, audit: new FakeAuditLog(clock), hash, clock };
  const base = { addresses: [], nationalIds: [] };
  await upsertCustomer(
    deps,
    'ALICE',
    { ...base, name: { given: 'Alice', family: 'Smith' }, emails: ['alice@example.com'], phones: ['+442079460001'], crossReferences: [{ systemId: 'crm', localId: 'C-1' }, { systemId: 'bank', localId: 'A-1' }] },
    { role: 'steward', principal: 's' },
  );
  await upsertCustomer(
    deps,
    'BOB',
    { ...base, name: { given: 'Bob', family: 'Jones' }, emails: ['bob@example.com'], phones: ['+442079460002'], crossReferences: [] },
    { role: 'steward', principal: 's' },
  );
});

describe('resolveSubject', () => {
  const aliceXrefs = [
    { systemId: 'bank', localId: 'A-1', since: '2025-06-01T10:00:00.000Z' },
    { systemId: 'crm', localId: 'C-1', since: '2025-06-01T10:00:00.000Z' },
  ];

  it.each([
    { rule: 'one identifier that matches', ids: { email: 'alice@example.com' }, ecifId: 'ALICE' },
    { rule: 'typed another way', ids: { email: ' Alice@Example.COM ' }, ecifId: 'ALICE' },
    { rule: 'all matching identifiers agree', ids: { email: 'alice@example.com', phone: '+44 20 7946 0001' }, ecifId: 'ALICE' },
    { rule: 'an identifier we do not hold does not spoil a match', ids: { email: 'unknown@example.com', phone: '+442079460001' }, ecifId: 'ALICE' },
    { rule: 'by a system local id', ids: { systemRef: { systemId: 'crm', localId: 'C-1' } }, ecifId: 'ALICE' },
    { rule: 'the other customer', ids: { email: 'bob@example.com' }, ecifId: 'BOB' },
    { rule: 'nothing matches: no match', ids: { email: 'nobody@example.com' }, ecifId: undefined },
    { rule: 'identifiers of two customers: no match, not a guess', ids: { email: 'alice@example.com', phone: '+442079460002' }, ecifId: undefined },
    { rule: 'a local id in another system does not match', ids: { systemRef: { systemId: 'bank', localId: 'C-1' } }, ecifId: undefined },
  ])('$rule -> $ecifId', async ({ ids, ecifId }) => {
    const resolution = await resolveSubject(ecif, hash, ids);
    expect(resolution?.ecifId).toBe(ecifId);
  });

  it('returns the customer’s cross-references', async () => {
    expect(await resolveSubject(ecif, hash, { email: 'alice@example.com' })).toEqual({ ecifId: 'ALICE', crossReferences: aliceXrefs });
    expect(await resolveSubject(ecif, hash, { email: 'bob@example.com' })).toEqual({ ecifId: 'BOB', crossReferences: [] });
  });

  it('an erased customer is not found, even by a key left behind in the index', async () => {
    const record = (await ecif.getCustomer('ALICE'))!;
    const keys = identityKeysOf({ email: 'alice@example.com' }, hash);
    await ecif.eraseCustomer(anonymized(record, '2025-06-02T00:00:00.000Z'), record.identities);
    expect(await resolveByKeys(ecif, keys)).toBeUndefined();
    // Even if the index still named it (a torn write), the erased record is no match.
    ecif.index.set(`${keys[0].kind}#${keys[0].hash}`, 'ALICE');
    expect(await resolveByKeys(ecif, keys)).toBeUndefined();
  });

  it('no keys, no match', async () => {
    expect(await resolveByKeys(ecif, [])).toBeUndefined();
  });
});
