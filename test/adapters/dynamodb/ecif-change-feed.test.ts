/**
 * Applying the bank's ECIF change events, one contract for the fake stores and DynamoDB Local: a
 * redelivered event and an older version change nothing, a newer one applies, merge and split events
 * take the same path as the steward's route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoChangeVersions } from '#adapters/dynamodb/change-versions.ts';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { applyChange, ecifChangeSchema, type ChangeVersions } from '#core/ecif/change-feed.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import type { EcifRegistry } from '#core/ecif/ports.ts';
import { systemClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeChangeVersions, FakeEcifRegistry, FakeRequestStore } from '../../support/fakes.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const feed = { role: 'steward' as const, principal: 'ecif-feed' };
let run = 0;

describe.each([
  [
    'fake',
    () => ({ ecif: new FakeEcifRegistry() as EcifRegistry, versions: new FakeChangeVersions() as ChangeVersions }),
  ],
  [
    'DynamoDB Local',
    () => ({
      ecif: stores.deps.ecif,
      versions: new DynamoChangeVersions(documentClient(), stores.tables.ecif) as ChangeVersions,
    }),
  ],
])('change events on the %s stores', (_name, make) => {
  const setup = () => {
    const n = ++run;
    const deps = {
      ...make(),
      audit: new FakeAuditLog(systemClock),
      clock: systemClock,
      hash,
      requests: new FakeRequestStore(),
    };
    const upsert = (ecifId: string, eventId: string, version: number, family: string) =>
      ecifChangeSchema.parse({
        type: 'upsert',
        eventId,
        version,
        ecifId,
        customer: { name: { given: 'Feed', family }, emails: [`${ecifId.toLowerCase()}@example.com`] },
      });
    return { deps, upsert, s: `CF-S-${n}`, d: `CF-D-${n}` };
  };

  it('a duplicate or an older version changes nothing; a newer version applies', async () => {
    const { deps, upsert, s } = setup();
    expect(await applyChange(deps, upsert(s, 'e-1', 5, 'First'), feed)).toBe('applied');
    expect(await applyChange(deps, upsert(s, 'e-1', 5, 'First'), feed)).toBe('duplicate');
    expect(await applyChange(deps, upsert(s, 'e-0', 4, 'Older'), feed)).toBe('stale');
    expect((await deps.ecif.getCustomer(s))?.name).toEqual({ given: 'Feed', family: 'First' });
    expect(await applyChange(deps, upsert(s, 'e-2', 6, 'Newer'), feed)).toBe('applied');
    expect((await deps.ecif.getCustomer(s))?.name).toEqual({ given: 'Feed', family: 'Newer' });
  });

  it('merge and split events move the merged record to the survivor and back', async () => {
    const { deps, upsert, s, d } = setup();
    await applyChange(deps, upsert(s, 'm-1', 1, 'S'), feed);
    await applyChange(deps, upsert(d, 'm-2', 1, 'D'), feed);
    const merge = ecifChangeSchema.parse({ type: 'merge', eventId: 'm-3', version: 2, ecifId: s, merged: [d] });
    expect(await applyChange(deps, merge, feed)).toBe('applied');
    expect((await deps.ecif.statuses([d])).get(d)).toEqual({ status: 'active', mergedInto: s });
    const split = ecifChangeSchema.parse({ type: 'split', eventId: 'm-4', version: 3, ecifId: s, merged: [d] });
    expect(await applyChange(deps, split, feed)).toBe('applied');
    expect((await deps.ecif.statuses([d])).get(d)).toEqual({ status: 'active' });
    // The merge delivered again after the split is older: it does not merge them again.
    expect(await applyChange(deps, merge, feed)).toBe('stale');
    expect((await deps.ecif.statuses([d])).get(d)).toEqual({ status: 'active' });
  });

  it('a malformed event is refused by its schema, naming the field', () => {
    const parsed = ecifChangeSchema.safeParse({ type: 'upsert', eventId: 'x', version: -1, ecifId: 'A', customer: {} });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((i) => i.path[0])).toContain('version');
  });
});
