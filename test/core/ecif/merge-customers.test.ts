/**
 * Golden-record merges and splits on the fake stores: a table of merge cases, the property that a
 * merge never allows what either side had opted out of or objected to, and a split that restores
 * both subjects' decisions exactly.
 */
import fc from 'fast-check';
import { beforeEach, describe, expect, it } from 'vitest';
import { captureConsent } from '#core/consent/capture-consent.ts';
import { channels, purposes, type Channel, type Purpose } from '#core/consent/catalog.ts';
import type { ConsentFlags } from '#core/consent/consent.ts';
import { decideConsent, type DecideDeps } from '#core/consent/decide-consent.ts';
import { ed25519Signer } from '#core/consent/decision-token.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { holdOnSubject } from '#core/ecif/legal-hold.ts';
import { mergeCustomers, splitCustomers, type MergeDeps } from '#core/ecif/merge-customers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { receivedRequest } from '#core/requests/received.ts';
import { fixedClock } from '#core/shared/clock.ts';
import {
  FakeAuditLog,
  FakeConsentLedger,
  FakeEcifRegistry,
  FakeLegalHolds,
  FakeRequestStore,
} from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const signer = ed25519Signer('unit-test-token-secret-0123456789', {
  issuer: 'urn:custodian',
  audience: 'urn:custodian:test',
  ttlSeconds: 300,
});
const steward = { role: 'steward' as const, principal: 's' };

let clock: ReturnType<typeof fixedClock>;
let ecif: FakeEcifRegistry;
let consent: FakeConsentLedger;
let audit: FakeAuditLog;
let requests: FakeRequestStore;
let deps: MergeDeps & DecideDeps;

async function customer(ecifId: string, email: string, systemId: string) {
  await upsertCustomer(
    { ecif, audit, hash, clock },
    ecifId,
    {
      name: { given: ecifId, family: 'Test' },
      addresses: [],
      emails: [email],
      phones: [],
      nationalIds: [],
      crossReferences: [{ systemId, localId: `${ecifId}-1` }],
    },
    steward,
  );
}

async function choose(ecifId: string, purpose: Purpose, channel: Channel, state: 'granted' | 'withdrawn') {
  await captureConsent(
    { consent, ecif, audit, clock },
    {
      choices: [{ purpose, channel, state }],
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'marketing-notice', version: '3' },
      method: 'web',
    },
    { role: 'customer', principal: ecifId },
  );
  clock.advance(60_000);
}

const decide = (subject: { ecifId: string } | { systemId: string; localId: string }, purpose: Purpose = 'marketing') =>
  decideConsent(deps, { ...subject, purpose, channel: 'email', jurisdiction: 'GDPR' } as never);

async function openRequest(ecifId: string) {
  const request = receivedRequest(
    {
      id: `REQ-${ecifId}`,
      type: 'access',
      jurisdiction: 'GDPR',
      channel: 'web',
      status: 'in_progress',
      identityKeys: [],
      ecifId,
      verification: { state: 'verified', method: 'not_required' },
    } as never,
    clock.now(),
    new Set(),
  );
  await requests.create(request);
  return request.id;
}

beforeEach(async () => {
  clock = fixedClock('2025-06-01T10:00:00.000Z');
  ecif = new FakeEcifRegistry();
  consent = new FakeConsentLedger();
  audit = new FakeAuditLog(clock);
  requests = new FakeRequestStore();
  deps = { ecif, consent, audit, requests, clock, hash, decisionSigner: signer };
  await customer('SURV', 'a@example.com', 'crm');
  await customer('DUP', 'b@example.com', 'core-banking');
});

const merge = () => mergeCustomers(deps, { survivor: 'SURV', merged: ['DUP'] }, steward);
const split = () => splitCustomers(deps, { survivor: 'SURV', merged: ['DUP'] }, steward);

describe('merge cases', () => {
  const cases: {
    name: string;
    setup: () => Promise<void>;
    purpose: Purpose;
    expected: { decision: 'allow' | 'deny'; reason: string };
  }[] = [
    {
      name: 'grant on the survivor, later withdrawal on the merged: the later choice (withdrawn)',
      setup: async () => {
        await choose('SURV', 'marketing', 'email', 'granted');
        await choose('DUP', 'marketing', 'email', 'withdrawn');
      },
      purpose: 'marketing',
      expected: { decision: 'deny', reason: 'withdrawn' },
    },
    {
      name: 'withdrawal on the survivor, later grant on the merged: the later choice (granted)',
      setup: async () => {
        await choose('SURV', 'marketing', 'email', 'withdrawn');
        await choose('DUP', 'marketing', 'email', 'granted');
      },
      purpose: 'marketing',
      expected: { decision: 'allow', reason: 'granted' },
    },
    {
      name: 'an opt-out of sale on the merged side holds for the survivor',
      setup: async () => {
        await choose('SURV', 'sale', 'any', 'granted');
        await consent.setFlags('DUP', { optOutSale: true }, clock.now().toISOString(), { carriedOver: true });
      },
      purpose: 'sale',
      expected: { decision: 'deny', reason: 'opted_out_sale' },
    },
    {
      name: 'an objection on the survivor holds over a later grant on the merged side',
      setup: async () => {
        await consent.setFlags('SURV', { objectedDirectMarketing: true }, clock.now().toISOString(), {
          carriedOver: true,
        });
        clock.advance(60_000);
        await choose('DUP', 'marketing', 'email', 'granted');
      },
      purpose: 'marketing',
      expected: { decision: 'deny', reason: 'objected' },
    },
  ];
  it.each(cases)('$name', async ({ setup, purpose, expected }) => {
    await setup();
    await merge();
    for (const ecifId of ['SURV', 'DUP'])
      expect(await decide({ ecifId }, purpose)).toMatchObject({ ...expected, ecifId: 'SURV' });
    // The merged person's own system id now names the survivor too.
    expect(await decide({ systemId: 'core-banking', localId: 'DUP-1' }, purpose)).toMatchObject({
      ...expected,
      ecifId: 'SURV',
    });
  });

  it('open requests are re-pointed to the survivor, and back by the split', async () => {
    const id = await openRequest('DUP');
    expect(await merge()).toMatchObject({ requests: 1, identities: 2, crossReferences: 1, changed: true });
    expect((await requests.get(id))?.ecifId).toBe('SURV');
    expect(await split()).toMatchObject({ requests: 1, changed: true });
    expect((await requests.get(id))?.ecifId).toBe('DUP');
  });

  it('a legal hold on the merged side holds the survivor', async () => {
    const holds = new FakeLegalHolds();
    const hold = { ecifId: 'DUP', reason: 'pending litigation', reference: 'CASE-1', placedBy: steward };
    await holds.put({ ...hold, placedAt: '2025-06-01T10:00:00.000Z', updatedAt: '2025-06-01T10:00:00.000Z' });
    expect(await holdOnSubject({ holds, ecif }, 'SURV')).toBeUndefined();
    await merge();
    expect(await holdOnSubject({ holds, ecif }, 'SURV')).toMatchObject({ reference: 'CASE-1' });
  });

  it('an erased side is refused with nothing changed', async () => {
    const dup = (await ecif.getCustomer('DUP'))!;
    await ecif.eraseCustomer({ ...dup, status: 'erased', name: null, identities: [] }, dup.identities);
    const before = structuredClone([...ecif.customers.entries()]);
    await expect(merge()).rejects.toMatchObject({ name: 'ConflictError' });
    expect([...ecif.customers.entries()]).toEqual(before);
  });

  it('a repeat changes nothing; identifiers and cross-references moved; audited on both streams', async () => {
    await merge();
    expect(await merge()).toMatchObject({ changed: false });
    expect(await ecif.crossReferences('DUP')).toEqual([]);
    expect((await ecif.crossReferences('SURV')).map((x) => x.systemId).sort()).toEqual(['core-banking', 'crm']);
    expect(audit.streams.get('ecif:SURV')!.filter((e) => e.action === 'ecif.merged')).toHaveLength(1);
    expect(audit.streams.get('ecif:DUP')!.filter((e) => e.action === 'ecif.merged')).toHaveLength(1);
    expect(JSON.stringify(audit.streams.get('ecif:SURV'))).not.toContain('example.com');
  });

  it('two records with a cross-reference in one system are not merged', async () => {
    await customer('OTHER', 'c@example.com', 'crm');
    await expect(mergeCustomers(deps, { survivor: 'SURV', merged: ['OTHER'] }, steward)).rejects.toMatchObject({
      extensions: { reason: 'same_system' },
    });
  });
});

const flagArb = fc.record<ConsentFlags>({
  optOutSale: fc.boolean(),
  optOutSharing: fc.boolean(),
  limitSensitive: fc.boolean(),
  restricted: fc.boolean(),
  objectedDirectMarketing: fc.boolean(),
  erased: fc.constant(false),
});
const choiceArb = fc.record({
  side: fc.constantFrom('SURV', 'DUP'),
  purpose: fc.constantFrom(...purposes),
  channel: fc.constantFrom(...channels.filter((c) => c !== 'any'), 'any' as Channel),
  state: fc.constantFrom('granted' as const, 'withdrawn' as const),
});

/** Every purpose on the email channel: what a split must give back exactly. */
const allDecisions = async (ecifId: string) =>
  Promise.all(
    purposes.map(async (purpose) => {
      const { decision, reason, evidence } = await decide({ ecifId }, purpose);
      return { purpose, decision, reason, evidence };
    }),
  );

describe('properties', () => {
  it('after any merge, no decision allows what either side had opted out of or objected to', async () => {
    await fc.assert(
      fc.asyncProperty(flagArb, flagArb, fc.array(choiceArb, { maxLength: 6 }), async (fs, fd, choices) => {
        ecif = new FakeEcifRegistry();
        consent = new FakeConsentLedger();
        requests = new FakeRequestStore();
        deps = { ...deps, ecif, consent, requests };
        await customer('SURV', 'a@example.com', 'crm');
        await customer('DUP', 'b@example.com', 'core-banking');
        for (const c of choices) await choose(c.side, c.purpose, c.channel, c.state);
        await consent.setFlags('SURV', fs, clock.now().toISOString(), { carriedOver: true });
        await consent.setFlags('DUP', fd, clock.now().toISOString(), { carriedOver: true });
        await merge();
        const either = (f: keyof ConsentFlags) => fs[f] || fd[f];
        const decisions = await allDecisions('DUP');
        const forbidden = decisions.filter(
          ({ purpose, decision }) =>
            decision === 'allow' &&
            (either('restricted') ||
              (either('objectedDirectMarketing') && ['marketing', 'profiling'].includes(purpose)) ||
              ((either('optOutSale') || either('optOutSharing')) &&
                ['sale', 'third_party_sharing'].includes(purpose)) ||
              (either('limitSensitive') && purpose === 'sensitive_data_use')),
        );
        expect(forbidden).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });

  it('a split restores both subjects’ decisions exactly', async () => {
    await fc.assert(
      fc.asyncProperty(flagArb, flagArb, fc.array(choiceArb, { maxLength: 6 }), async (fs, fd, choices) => {
        ecif = new FakeEcifRegistry();
        consent = new FakeConsentLedger();
        requests = new FakeRequestStore();
        deps = { ...deps, ecif, consent, requests };
        await customer('SURV', 'a@example.com', 'crm');
        await customer('DUP', 'b@example.com', 'core-banking');
        for (const c of choices) await choose(c.side, c.purpose, c.channel, c.state);
        await consent.setFlags('SURV', fs, clock.now().toISOString(), { carriedOver: true });
        await consent.setFlags('DUP', fd, clock.now().toISOString(), { carriedOver: true });
        const before = [await allDecisions('SURV'), await allDecisions('DUP')];
        await merge();
        await split();
        expect([await allDecisions('SURV'), await allDecisions('DUP')]).toEqual(before);
        expect(await decide({ systemId: 'core-banking', localId: 'DUP-1' })).toMatchObject({ ecifId: 'DUP' });
      }),
      { numRuns: 40 },
    );
  });
});
