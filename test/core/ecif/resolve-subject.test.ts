/**
 * Subject resolution: a request's identifiers name a customer only when every identifier that
 * matches points to that one customer; two customers behind one request is no match, not a guess.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { anonymized } from '#core/ecif/customer.ts';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import { resolveByKeys, resolveIdentity, resolveInputSchema, resolveSubject } from '#core/ecif/resolve-subject.ts';
import { NotFoundError } from '#core/shared/errors.ts';
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
    {
      ...base,
      name: { given: 'Alice', family: 'Smith' },
      emails: ['alice@example.com'],
      phones: ['+442079460001'],
      crossReferences: [
        { systemId: 'crm', localId: 'C-1' },
        { systemId: 'bank', localId: 'A-1' },
      ],
    },
    { role: 'steward', principal: 's' },
  );
  await upsertCustomer(
    deps,
    'BOB',
    {
      ...base,
      name: { given: 'Bob', family: 'Jones' },
      emails: ['bob@example.com'],
      phones: ['+442079460002'],
      crossReferences: [],
    },
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
    {
      rule: 'all matching identifiers agree',
      ids: { email: 'alice@example.com', phone: '+44 20 7946 0001' },
      ecifId: 'ALICE',
    },
    {
      rule: 'an identifier we do not hold does not spoil a match',
      ids: { email: 'unknown@example.com', phone: '+442079460001' },
      ecifId: 'ALICE',
    },
    { rule: 'by a system local id', ids: { systemRef: { systemId: 'crm', localId: 'C-1' } }, ecifId: 'ALICE' },
    { rule: 'the other customer', ids: { email: 'bob@example.com' }, ecifId: 'BOB' },
    { rule: 'nothing matches: no match', ids: { email: 'nobody@example.com' }, ecifId: undefined },
    {
      rule: 'identifiers of two customers: no match, not a guess',
      ids: { email: 'alice@example.com', phone: '+442079460002' },
      ecifId: undefined,
    },
    {
      rule: 'a local id in another system does not match',
      ids: { systemRef: { systemId: 'bank', localId: 'C-1' } },
      ecifId: undefined,
    },
  ])('$rule -> $ecifId', async ({ ids, ecifId }) => {
    const resolution = await resolveSubject(ecif, hash, ids);
    expect(resolution?.ecifId).toBe(ecifId);
  });

  it('returns the customer’s cross-references, and the golden record they were read beside', async () => {
    expect(await resolveSubject(ecif, hash, { email: 'alice@example.com' })).toEqual({
      ecifId: 'ALICE',
      crossReferences: aliceXrefs,
      record: await ecif.getCustomer('ALICE'),
    });
    expect(await resolveSubject(ecif, hash, { email: 'bob@example.com' })).toMatchObject({
      ecifId: 'BOB',
      crossReferences: [],
      record: { ecifId: 'BOB' },
    });
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

describe('resolveIdentity (POST /v1/ecif/resolve)', () => {
  const steward = { role: 'steward', principal: 's' } as const;
  let audit: FakeAuditLog;
  beforeEach(() => {
    audit = new FakeAuditLog(fixedClock('2025-06-01T10:00:00.000Z'));
  });

  it.each([
    { by: 'an email, any case and spacing', input: { email: '  ALICE@Example.com ' } },
    { by: 'a phone, in national format with spaces', input: { phone: '+44 20 7946 0001' } },
    { by: 'a system’s own local id', input: { systemRef: { systemId: 'crm', localId: 'C-1' } } },
    {
      by: 'several identifiers of the same person',
      input: { email: 'alice@example.com', systemRef: { systemId: 'bank', localId: 'A-1' } },
    },
  ])('finds Alice by $by, with where each system knows her', async ({ input }) => {
    const found = await resolveIdentity({ ecif, hash, audit }, input, steward);
    expect(found.ecifId).toBe('ALICE');
    expect(found.crossReferences.map((x) => `${x.systemId}:${x.localId}`).sort()).toEqual(['bank:A-1', 'crm:C-1']);
  });

  it.each([
    {
      rule: 'identifiers of two different people are no match',
      input: { email: 'alice@example.com', phone: '+442079460002' },
    },
    { rule: 'an identifier no one has is no match', input: { email: 'nobody@example.com' } },
    { rule: 'a local id in another system is no match', input: { systemRef: { systemId: 'bank', localId: 'C-1' } } },
  ])('$rule: 404, nothing audited', async ({ input }) => {
    await expect(resolveIdentity({ ecif, hash, audit }, input, steward)).rejects.toBeInstanceOf(NotFoundError);
    expect(audit.count()).toBe(0);
  });

  it('audits the lookup by kinds, never by values', async () => {
    await resolveIdentity(
      { ecif, hash, audit },
      { email: 'alice@example.com', systemRef: { systemId: 'crm', localId: 'C-1' } },
      steward,
    );
    const [event] = await audit.stream('ecif:ALICE');
    expect(event).toMatchObject({
      action: 'ecif.resolved',
      actor: steward,
      details: { by: ['email', 'system_local_id'] },
    });
    expect(JSON.stringify(event)).not.toContain('alice@');
    expect(JSON.stringify(event)).not.toContain('C-1');
  });

  it('the schema asks for at least one identifier and nothing else', () => {
    expect(resolveInputSchema.safeParse({}).success).toBe(false);
    expect(resolveInputSchema.safeParse({ email: 'a@b.c', name: 'Alice' }).success).toBe(false);
  });
});
