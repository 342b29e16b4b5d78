/**
 * The ECIF's merge writes (rebindCustomers, statuses with merge links), one contract for the fake and
 * for DynamoDB Local: a merge moves identifiers and cross-references at once, a stale record or an
 * identifier bound elsewhere meanwhile refuses the whole write, a split brings everything back.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import { mergeCustomers, splitCustomers } from '#core/ecif/merge-customers.ts';
import type { EcifRegistry } from '#core/ecif/ports.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { systemClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeEcifRegistry, FakeRequestStore } from '../../support/fakes.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const steward = { role: 'steward' as const, principal: 's' };
let run = 0;

describe.each([
  ['fake', () => new FakeEcifRegistry() as EcifRegistry],
  ['DynamoDB Local', () => stores.deps.ecif],
])('merge writes on the %s registry', (_name, registry) => {
  const setup = async () => {
    const ecif = registry();
    const n = ++run;
    const deps = {
      ecif,
      audit: new FakeAuditLog(systemClock),
      clock: systemClock,
      hash,
      requests: new FakeRequestStore(),
    };
    const ids = { s: `RB-S-${n}`, d: `RB-D-${n}` };
    for (const [id, sys] of [
      [ids.s, 'crm'],
      [ids.d, 'core-banking'],
    ])
      await upsertCustomer(
        deps,
        id,
        {
          name: { given: 'Rb', family: id },
          addresses: [],
          emails: [`${id.toLowerCase()}@example.com`],
          phones: [],
          nationalIds: [],
          crossReferences: [{ systemId: sys, localId: `${id}-L` }],
        },
        steward,
      );
    const key = identityKeysOf({ email: `${ids.d.toLowerCase()}@example.com` }, hash)[0];
    return { ecif, deps, ids, key };
  };

  it('moves identifiers and cross-references to the survivor, links both ways, and a split undoes it', async () => {
    const { ecif, deps, ids, key } = await setup();
    await mergeCustomers(deps, { survivor: ids.s, merged: [ids.d] }, steward);
    expect(await ecif.findByIdentity(key)).toBe(ids.s);
    expect(await ecif.crossReferences(ids.d)).toEqual([]);
    expect((await ecif.crossReferences(ids.s)).map((x) => x.systemId).sort()).toEqual(['core-banking', 'crm']);
    const statuses = await ecif.statuses([ids.s, ids.d]);
    expect(statuses.get(ids.s)).toEqual({ status: 'active', merged: [ids.d] });
    expect(statuses.get(ids.d)).toEqual({ status: 'active', mergedInto: ids.s });

    await splitCustomers(deps, { survivor: ids.s, merged: [ids.d] }, steward);
    expect(await ecif.findByIdentity(key)).toBe(ids.d);
    expect((await ecif.crossReferences(ids.d)).map((x) => x.systemId)).toEqual(['core-banking']);
    expect(await ecif.statuses([ids.s, ids.d])).toEqual(
      new Map([
        [ids.s, { status: 'active' }],
        [ids.d, { status: 'active' }],
      ]),
    );
  });

  it('a record changed since it was read, or an identifier bound elsewhere, refuses the whole write', async () => {
    const { ecif, ids, key } = await setup();
    const [s, d] = await Promise.all([ecif.getCustomer(ids.s), ecif.getCustomer(ids.d)]);
    const stale = { record: { ...s!, merged: [ids.d] }, expectedUpdatedAt: '2000-01-01T00:00:00.000Z' };
    await expect(
      ecif.rebindCustomers({ records: [stale], identities: [{ key, from: ids.d, to: ids.s }], crossReferences: [] }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    const notMine = { record: { ...s!, merged: [ids.d] }, expectedUpdatedAt: s!.updatedAt };
    await expect(
      ecif.rebindCustomers({
        records: [notMine],
        identities: [{ key, from: 'SOMEONE', to: ids.s }],
        crossReferences: [],
      }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    expect(await ecif.findByIdentity(key)).toBe(ids.d);
    expect(await ecif.getCustomer(ids.s)).toEqual(s);
    expect(await ecif.getCustomer(ids.d)).toEqual(d);
  });
});
