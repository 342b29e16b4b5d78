/**
 * A load batch on DynamoDB Local (the synthesized ECIF table, the real adapter's grouped writes): new
 * records created, the same batch again unchanged, a changed line updated (its dropped identifier freed),
 * and each refusal alone with its line, field and kind, never a value: an identifier bound to another
 * golden record (named), two lines of one batch claiming one identifier, a suppressed identifier, an
 * erased customer, an invalid field, an unreadable line, a repeated ecifId.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBatch, type LoadLine } from '#core/ecif/bulk-load.ts';
import { anonymized } from '#core/ecif/customer.ts';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import { systemClock } from '#core/shared/clock.ts';
import { resolveSubject } from '#core/ecif/resolve-subject.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const load = (lines: LoadLine[]) =>
  loadBatch({ ecif: stores.deps.ecif, hash: stores.deps.hash, clock: systemClock }, lines);

const customer = (n: string, over: Record<string, unknown> = {}) => ({
  name: { given: 'Ada', family: `Bulk${n}` },
  emails: [`bulk-${n}@example.com`],
  phones: [`+44207946${n.padStart(4, '0')}`],
  crossReferences: [{ systemId: 'crm', localId: `CRM-${n}` }],
  ...over,
});

describe('loadBatch', () => {
  it('creates new records, leaves the same batch unchanged the second time, updates a changed line', async () => {
    const lines = ['1', '2', '3'].map((n, i) => ({ line: i + 1, ecifId: `L-${n}`, body: customer(n) }));
    const first = await load(lines);
    expect(first).toMatchObject({ read: 3, created: 3, updated: 0, unchanged: 0, rejected: 0 });
    expect((await resolveSubject(stores.deps.ecif, stores.deps.hash, { email: 'bulk-2@example.com' }))?.ecifId).toBe(
      'L-2',
    );
    expect((await stores.deps.ecif.crossReferences('L-3')).map((x) => x.localId)).toEqual(['CRM-3']);

    const again = await load(lines);
    expect(again).toMatchObject({ read: 3, created: 0, updated: 0, unchanged: 3, rejected: 0 });

    const changed = await load([
      { line: 9, ecifId: 'L-1', body: customer('1', { emails: ['bulk-1-new@example.com'] }) },
    ]);
    expect(changed).toMatchObject({ updated: 1, rejected: 0 });
    const { ecif, hash } = stores.deps;
    expect((await resolveSubject(ecif, hash, { email: 'bulk-1-new@example.com' }))?.ecifId).toBe('L-1');
    expect(await resolveSubject(ecif, hash, { email: 'bulk-1@example.com' })).toBeUndefined();
  });

  it('refuses each bad line alone, with line, field and kind and no value', async () => {
    await load([{ line: 1, ecifId: 'H-1', body: customer('11') }]);
    const erased = await load([{ line: 1, ecifId: 'H-2', body: customer('12') }]);
    expect(erased.created).toBe(1);
    const record = (await stores.deps.ecif.getCustomer('H-2'))!;
    await stores.deps.ecif.eraseCustomer(
      anonymized(record, new Date().toISOString()),
      identityKeysOf({ email: 'bulk-12@example.com' }, stores.deps.hash),
    );

    const out = await load([
      { line: 1, ecifId: 'R-ok', body: customer('20') },
      { line: 2, ecifId: 'R-taken', body: customer('21', { emails: ['bulk-11@example.com'] }) },
      { line: 3, ecifId: 'R-first', body: customer('22') },
      { line: 4, ecifId: 'R-second', body: customer('23', { phones: ['+442079460022'] }) },
      { line: 5, ecifId: 'R-suppressed', body: customer('24', { emails: ['bulk-12@example.com'] }) },
      { line: 6, ecifId: 'H-2', body: customer('25') },
      { line: 7, ecifId: 'R-bad-email', body: customer('26', { emails: ['not an email'] }) },
      { line: 8, unreadable: 'not valid JSON' },
      { line: 9, ecifId: 'R-ok', body: customer('27') },
      { line: 10, ecifId: 'bad id!', body: customer('28') },
      { line: 11, ecifId: 'R-no-name', body: { emails: [] } },
    ]);
    expect(out).toMatchObject({ read: 11, created: 2, updated: 0, unchanged: 0, rejected: 9 });
    expect(out.rejects).toEqual([
      { line: 2, kind: 'conflict', field: 'email', ecifId: 'R-taken', boundTo: 'H-1' },
      { line: 4, kind: 'conflict', field: 'phone', ecifId: 'R-second', boundTo: 'R-first' },
      { line: 5, kind: 'suppressed', field: 'email', ecifId: 'R-suppressed' },
      { line: 6, kind: 'erased', ecifId: 'H-2' },
      { line: 7, kind: 'invalid', field: 'email', ecifId: 'R-bad-email' },
      { line: 8, kind: 'unreadable', field: 'not valid JSON' },
      { line: 9, kind: 'duplicate', ecifId: 'R-ok' },
      { line: 10, kind: 'invalid', field: 'ecifId' },
      { line: 11, kind: 'invalid', field: 'name', ecifId: 'R-no-name' },
    ]);
    expect(JSON.stringify(out.rejects)).not.toMatch(/@|\+44/);
    // The refused records wrote nothing; the others are whole.
    expect(await stores.deps.ecif.getCustomer('R-taken')).toBeUndefined();
    expect(await stores.deps.ecif.getCustomer('R-second')).toBeUndefined();
    expect((await stores.deps.ecif.getCustomer('R-first'))?.identities).toHaveLength(3);
  });

  it('refuses a record whose identifier another batch bound meanwhile, and writes the rest of its group', async () => {
    // Two batches at once, each claiming the other's email on one line: each line is refused alone or written.
    const [a, b] = await Promise.all([
      load([
        { line: 1, ecifId: 'C-a1', body: customer('31') },
        { line: 2, ecifId: 'C-a2', body: customer('32', { emails: ['race@example.com'] }) },
      ]),
      load([
        { line: 1, ecifId: 'C-b1', body: customer('33') },
        { line: 2, ecifId: 'C-b2', body: customer('34', { emails: ['race@example.com'] }) },
      ]),
    ]);
    expect(a.created + b.created).toBe(3);
    expect([...a.rejects, ...b.rejects]).toEqual([
      expect.objectContaining({
        line: 2,
        kind: 'conflict',
        field: 'email',
        boundTo: expect.stringMatching(/^C-[ab]2$/),
      }),
    ]);
    const owner = (await resolveSubject(stores.deps.ecif, stores.deps.hash, { email: 'race@example.com' }))?.ecifId;
    expect([a.written, b.written].flat()).toContain(owner);
  });
});
