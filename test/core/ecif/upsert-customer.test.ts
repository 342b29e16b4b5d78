/**
 * The ECIF upsert: each identifier belongs to one customer (a second claim is a 409 naming both ids),
 * an identity erased on request may not be ingested again (GDPR Art. 17: erasure must stick), and
 * every accepted or refused write is in the audit log.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '#core/audit/event.ts';
import { anonymized, type CustomerInput } from '#core/ecif/customer.ts';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import { upsertCustomer, type UpsertCustomerDeps } from '#core/ecif/upsert-customer.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { ConflictError, SuppressedIdentityError } from '#core/shared/errors.ts';
import { FakeAuditLog, FakeEcifRegistry } from '../../support/fakes.ts';

const steward: Actor = { role: 'steward', principal: 'steward-1' };
const hash = createIdentityHasher('unit-test-pepper-0123456789');

function input(over: Partial<CustomerInput> = {}): CustomerInput {
  return {
    name: { given: 'Alice', family: 'Smith' },
    addresses: [],
    emails: ['alice@example.com'],
    phones: ['+44 20 7946 0123'],
    nationalIds: [{ country: 'GB', value: 'QQ123456C' }],
    crossReferences: [{ systemId: 'crm', localId: 'C-1' }],
    ...over,
  };
}

let ecif: FakeEcifRegistry;
let audit: FakeAuditLog;
let clock: ReturnType<typeof fixedClock>;
let deps: UpsertCustomerDeps;

beforeEach(() => {
  clock = fixedClock('2025-06-01T10:00:00.000Z');
  ecif = new FakeEcifRegistry();
  audit = new FakeAuditLog(clock);
  deps = { ecif, audit, hash, clock };
});

const key = (ids: Parameters<typeof identityKeysOf>[0]) => identityKeysOf(ids, hash)[0];

describe('upsertCustomer', () => {
  it('creates the golden record, binds every identifier and cross-reference to it, and audits', async () => {
    const result = await upsertCustomer(deps, 'C000001', input(), steward);
    expect(result).toEqual({ ecifId: 'C000001', created: true, identities: 4, crossReferences: 1 });

    const record = await ecif.getCustomer('C000001');
    expect(record).toMatchObject({
      ecifId: 'C000001',
      status: 'active',
      createdAt: '2025-06-01T10:00:00.000Z',
      updatedAt: '2025-06-01T10:00:00.000Z',
    });
    expect(record!.identities.map((k) => k.kind)).toEqual(['email', 'phone', 'national_id', 'sys.crm']);
    expect(record).not.toHaveProperty('crossReferences');
    for (const ids of [
      { email: 'ALICE@example.com' },
      { phone: '+442079460123' },
      { nationalId: { country: 'GB', value: 'qq123456c' } },
      { systemRef: { systemId: 'crm', localId: 'C-1' } },
    ]) {
      expect(await ecif.findByIdentity(key(ids))).toBe('C000001');
    }
    expect(await ecif.crossReferences('C000001')).toEqual([
      { systemId: 'crm', localId: 'C-1', since: '2025-06-01T10:00:00.000Z' },
    ]);

    const [event] = await audit.stream('ecif:C000001');
    expect(event).toMatchObject({
      actor: steward,
      action: 'ecif.customer.created',
      target: { ecifId: 'C000001' },
      details: { identities: 4, crossReferences: ['crm'] },
    });
    // No raw identifier in the audit trail.
    expect(JSON.stringify(event)).not.toMatch(/alice|7946|QQ123456C/i);
  });

  it('an update keeps createdAt and cross-reference `since`, drops identifiers it no longer has, adds new ones', async () => {
    await upsertCustomer(deps, 'C000001', input(), steward);
    clock.advance(86_400_000);
    const result = await upsertCustomer(
      deps,
      'C000001',
      input({
        emails: ['alice.new@example.com'],
        crossReferences: [
          { systemId: 'crm', localId: 'C-1' },
          { systemId: 'billing', localId: 'B-9' },
        ],
      }),
      steward,
    );
    expect(result).toEqual({ ecifId: 'C000001', created: false, identities: 5, crossReferences: 2 });
    expect(await ecif.findByIdentity(key({ email: 'alice@example.com' }))).toBeUndefined();
    expect(await ecif.findByIdentity(key({ email: 'alice.new@example.com' }))).toBe('C000001');
    expect(await ecif.crossReferences('C000001')).toEqual([
      { systemId: 'billing', localId: 'B-9', since: '2025-06-02T10:00:00.000Z' },
      { systemId: 'crm', localId: 'C-1', since: '2025-06-01T10:00:00.000Z' },
    ]);
    expect(await ecif.getCustomer('C000001')).toMatchObject({
      createdAt: '2025-06-01T10:00:00.000Z',
      updatedAt: '2025-06-02T10:00:00.000Z',
    });
    expect(audit.actions('ecif:C000001')).toEqual(['ecif.customer.created', 'ecif.customer.updated']);
  });

  it('a cross-reference no longer given is removed (and its local-id key unbound)', async () => {
    await upsertCustomer(deps, 'C000001', input(), steward);
    await upsertCustomer(deps, 'C000001', input({ crossReferences: [] }), steward);
    expect(await ecif.crossReferences('C000001')).toEqual([]);
    expect(await ecif.findByIdentity(key({ systemRef: { systemId: 'crm', localId: 'C-1' } }))).toBeUndefined();
  });

  it('the same identifier typed twice is one key', async () => {
    const result = await upsertCustomer(
      deps,
      'C000001',
      input({ emails: ['alice@example.com', ' ALICE@example.com'], phones: [], nationalIds: [], crossReferences: [] }),
      steward,
    );
    expect(result.identities).toBe(1);
  });

  it('is idempotent: the same PUT twice leaves the same record and index', async () => {
    await upsertCustomer(deps, 'C000001', input(), steward);
    const first = {
      record: await ecif.getCustomer('C000001'),
      index: new Map(ecif.index),
      xrefs: await ecif.crossReferences('C000001'),
    };
    const again = await upsertCustomer(deps, 'C000001', input(), steward);
    expect(again).toEqual({ ecifId: 'C000001', created: false, identities: 4, crossReferences: 1 });
    expect(await ecif.getCustomer('C000001')).toEqual(first.record);
    expect(ecif.index).toEqual(first.index);
    expect(await ecif.crossReferences('C000001')).toEqual(first.xrefs);
  });

  it.each([
    {
      identifier: 'email',
      other: { emails: ['Alice@Example.com'], phones: [], nationalIds: [], crossReferences: [] },
      kind: 'email',
    },
    {
      identifier: 'phone (typed differently)',
      other: { emails: [], phones: ['+44 (0)20 7946 0123'], nationalIds: [], crossReferences: [] },
      kind: 'phone',
    },
    {
      identifier: 'national id',
      other: { emails: [], phones: [], nationalIds: [{ country: 'GB', value: 'QQ 12 34 56 C' }], crossReferences: [] },
      kind: 'national_id',
    },
    {
      identifier: 'system local id',
      other: { emails: [], phones: [], nationalIds: [], crossReferences: [{ systemId: 'crm', localId: 'C-1' }] },
      kind: 'sys.crm',
    },
  ])('409 when the $identifier already belongs to another customer, naming both ids', async ({ other, kind }) => {
    await upsertCustomer(deps, 'C000001', input(), steward);
    const before = audit.count();
    const err = await upsertCustomer(
      deps,
      'C000002',
      input({ ...other, emails: ['bob@example.com', ...other.emails] }),
      steward,
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).kind).toBe('conflict');
    expect((err as ConflictError).extensions).toEqual({ kind, ecifId: 'C000002', boundTo: 'C000001' });
    // Nothing written for the second customer.
    expect(await ecif.getCustomer('C000002')).toBeUndefined();
    expect(await ecif.findByIdentity(key({ email: 'bob@example.com' }))).toBeUndefined();
    expect(audit.count()).toBe(before);
  });

  describe('suppression (GDPR Art. 17: erased identities stay erased)', () => {
    beforeEach(async () => {
      await upsertCustomer(deps, 'C000001', input(), steward);
      const record = (await ecif.getCustomer('C000001'))!;
      await ecif.eraseCustomer(anonymized(record, '2025-06-02T00:00:00.000Z'), record.identities);
    });

    it.each([
      {
        identifier: 'email',
        over: { emails: [' ALICE@example.com'], phones: [], nationalIds: [], crossReferences: [] },
        kinds: ['email'],
      },
      {
        identifier: 'phone',
        over: { emails: [], phones: ['+442079460123'], nationalIds: [], crossReferences: [] },
        kinds: ['phone'],
      },
      {
        identifier: 'local id',
        over: { emails: [], phones: [], nationalIds: [], crossReferences: [{ systemId: 'crm', localId: 'C-1' }] },
        kinds: ['sys.crm'],
      },
      { identifier: 'all of them', over: {}, kinds: ['email', 'phone', 'national_id', 'sys.crm'] },
    ])('refuses to ingest a suppressed $identifier under a new id, and audits the refusal', async ({ over, kinds }) => {
      const err = await upsertCustomer(deps, 'C000099', input(over), steward).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(SuppressedIdentityError);
      expect((err as SuppressedIdentityError).kind).toBe('suppressed');
      expect((err as SuppressedIdentityError).extensions).toEqual({ reason: 'suppressed', kinds });
      expect(await ecif.getCustomer('C000099')).toBeUndefined();
      const events = await audit.stream('ecif:C000099');
      expect(events.map((e) => [e.action, e.details])).toEqual([
        ['ecif.ingestion.refused', { reason: 'suppressed', kinds }],
      ]);
      expect(verifyChain(events)).toBeUndefined();
    });

    it('refuses to bring the erased customer back under its own id, even with new identifiers', async () => {
      const err = await upsertCustomer(
        deps,
        'C000001',
        input({ emails: ['fresh@example.com'], phones: [], nationalIds: [], crossReferences: [] }),
        steward,
      ).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConflictError);
      expect((err as ConflictError).extensions).toEqual({ reason: 'erased', ecifId: 'C000001' });
      expect((await ecif.getCustomer('C000001'))!.status).toBe('erased');
      expect(await ecif.findByIdentity(key({ email: 'fresh@example.com' }))).toBeUndefined();
    });

    it('a new customer with none of the suppressed identifiers is accepted', async () => {
      const result = await upsertCustomer(
        deps,
        'C000002',
        input({ emails: ['bob@example.com'], phones: [], nationalIds: [], crossReferences: [] }),
        steward,
      );
      expect(result.created).toBe(true);
    });
  });
});
