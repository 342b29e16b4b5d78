/**
 * The consent decision use case: by ecifId, or by a connected system's own local id (one index
 * read more); a subject we cannot name is denied, never guessed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { captureConsent } from '#core/consent/capture-consent.ts';
import { decideConsent, type DecideDeps } from '#core/consent/decide-consent.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeConsentLedger, FakeEcifRegistry } from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
let consent: FakeConsentLedger;
let ecif: FakeEcifRegistry;
let clock: ReturnType<typeof fixedClock>;
let deps: DecideDeps;
let grantEventId: string;

beforeEach(async () => {
  clock = fixedClock('2025-06-01T10:00:00.000Z');
  consent = new FakeConsentLedger();
  ecif = new FakeEcifRegistry();
  const audit = new FakeAuditLog(clock);
  deps = { consent, ecif, hash, clock };
  await upsertCustomer(
    { ecif, audit, hash, clock },
    'ALICE',
    { name: { given: 'Alice', family: 'Smith' }, addresses: [], emails: ['alice@example.com'], phones: [], nationalIds: [], crossReferences: [{ systemId: 'crm', localId: 'C-1' }] },
    { role: 'steward', principal: 's' },
  );
  const receipt = await captureConsent(
    { consent, ecif, audit, clock },
    {
      choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'marketing-notice', version: '3' },
      method: 'web',
      expiresAt: '2025-12-01T00:00:00.000Z',
    },
    { role: 'customer', principal: 'ALICE' },
  );
  grantEventId = receipt.events[0].eventId;
  clock.advance(3_600_000);
});

describe('decideConsent', () => {
  const evidence = () => ({ eventId: grantEventId, capturedAt: '2025-06-01T10:00:00.000Z', notice: { id: 'marketing-notice', version: '3' }, channel: 'email' });

  it('by ecifId: allowed with its evidence and when it was decided', async () => {
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'allow',
      reason: 'granted',
      evidence: evidence(),
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
    });
  });

  it('by a system’s local id: the same decision, naming the ecifId', async () => {
    expect(await decideConsent(deps, { systemId: 'crm', localId: 'C-1', purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'allow',
      reason: 'granted',
      evidence: evidence(),
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
    });
  });

  it.each([
    { case: 'an unknown local id', input: { systemId: 'crm', localId: 'C-404' } },
    { case: 'a known local id in another system', input: { systemId: 'billing', localId: 'C-1' } },
  ])('$case: deny, unknown_subject, no ecifId', async ({ input }) => {
    expect(await decideConsent(deps, { ...input, purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'deny',
      reason: 'unknown_subject',
      decidedAt: '2025-06-01T11:00:00.000Z',
    });
  });

  it('reads the flags: an objection to direct marketing overrides the grant (GDPR Art. 21(3))', async () => {
    await consent.setFlags('ALICE', { objectedDirectMarketing: true }, '2025-06-01T10:30:00.000Z');
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'deny',
      reason: 'objection_to_direct_marketing',
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
    });
  });

  it('decides at the clock’s now: the grant expires', async () => {
    clock.advance(200 * 86_400_000);
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toMatchObject({ decision: 'deny', reason: 'expired' });
  });

  it('an ecifId with no consents is no_consent', async () => {
    expect(await decideConsent(deps, { ecifId: 'SOMEONE', purpose: 'marketing', channel: 'email' })).toMatchObject({
      decision: 'deny',
      reason: 'no_consent',
      ecifId: 'SOMEONE',
    });
  });
});
