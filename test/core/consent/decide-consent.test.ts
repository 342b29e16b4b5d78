/**
 * The consent decision use case: by ecifId, or by a connected system's own local id (one index
 * read more); a subject we cannot name is denied, never guessed.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { captureConsent } from '#core/consent/capture-consent.ts';
import fc from 'fast-check';
import { ed25519Signer } from '#core/consent/decision-token.ts';
import { verifyDecisionToken as verifyWith } from '#client/verify-decision-token.ts';
import { decideBatch, decideConsent, type SubjectRef, type DecideDeps } from '#core/consent/decide-consent.ts';
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
  deps = { consent, ecif, hash, clock, decisionSigner: signer };
  await upsertCustomer(
    { ecif, audit, hash, clock },
    'ALICE',
    {
      name: { given: 'Alice', family: 'Smith' },
      addresses: [],
      emails: ['alice@example.com'],
      phones: [],
      nationalIds: [],
      crossReferences: [{ systemId: 'crm', localId: 'C-1' }],
    },
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

const tokenOptions = { issuer: 'urn:custodian', audience: 'urn:custodian:test', ttlSeconds: 300 };
const signer = ed25519Signer('unit-test-token-secret-0123456789', tokenOptions);
// Checked at the decision's instant (the fixed clock's), as a CRM does when the answer arrives.
const verifyDecisionToken = (token: string, keys: Parameters<typeof verifyWith>[1]) =>
  verifyWith(token, keys, tokenOptions, clock.now());

describe('decideConsent', () => {
  const evidence = () => ({
    eventId: grantEventId,
    capturedAt: '2025-06-01T10:00:00.000Z',
    notice: { id: 'marketing-notice', version: '3' },
    channel: 'email',
  });

  it('by ecifId: allowed with its evidence and when it was decided', async () => {
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'allow',
      reason: 'granted',
      evidence: evidence(),
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
      token: expect.any(String),
    });
  });

  it('by a system’s local id: the same decision, naming the ecifId', async () => {
    expect(
      await decideConsent(deps, { systemId: 'crm', localId: 'C-1', purpose: 'marketing', channel: 'email' }),
    ).toEqual({
      decision: 'allow',
      reason: 'granted',
      evidence: evidence(),
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
      token: expect.any(String),
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
      token: expect.any(String),
    });
  });

  it('reads the flags: an objection to direct marketing overrides the grant (GDPR Art. 21(3))', async () => {
    await consent.setFlags('ALICE', { objectedDirectMarketing: true }, '2025-06-01T10:30:00.000Z', {
      requestId: 'R-1',
    });
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toEqual({
      decision: 'deny',
      reason: 'objected',
      ecifId: 'ALICE',
      decidedAt: '2025-06-01T11:00:00.000Z',
      token: expect.any(String),
    });
  });

  it('decides at the clock’s now: the grant expires', async () => {
    clock.advance(200 * 86_400_000);
    expect(await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' })).toMatchObject({
      decision: 'deny',
      reason: 'expired',
    });
  });

  it('an ecifId the ECIF does not hold is unknown_subject, for an opt-out purpose too', async () => {
    for (const [purpose, jurisdiction] of [
      ['marketing', 'GDPR'],
      ['sale', 'CCPA'],
    ] as const)
      expect(await decideConsent(deps, { ecifId: 'SOMEONE', purpose, channel: 'email', jurisdiction })).toEqual({
        decision: 'deny',
        reason: 'unknown_subject',
        decidedAt: '2025-06-01T11:00:00.000Z',
        token: expect.any(String),
      });
  });
});

describe('decision tokens', () => {
  it('sign what was decided; anyone verifies them with the published keys', async () => {
    const answer = await decideConsent(deps, {
      ecifId: 'ALICE',
      purpose: 'marketing',
      channel: 'email',
      jurisdiction: 'GDPR',
    });
    expect(await verifyDecisionToken(answer.token, signer.jwks())).toEqual({
      iss: 'urn:custodian',
      aud: 'urn:custodian:test',
      sub: 'ALICE',
      pur: 'marketing',
      chn: 'email',
      jur: 'GDPR',
      dec: 'allow',
      rsn: 'granted',
      evt: grantEventId,
      nv: 'marketing-notice@3',
      iat: Date.parse('2025-06-01T11:00:00.000Z') / 1000,
      exp: Date.parse('2025-06-01T11:05:00.000Z') / 1000,
    });
  });

  it('names its key in the header; is refused once expired, by another deployment or from another issuer', async () => {
    const { token } = await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' });
    const header = JSON.parse(Buffer.from(token.split('.')[0], 'base64url').toString());
    expect(header).toEqual({ alg: 'EdDSA', kid: signer.jwks().keys[0].kid, typ: 'custodian-decision+jwt' });
    const keys = signer.jwks();
    const at = (ms: number) => new Date(Date.parse('2025-06-01T11:00:00.000Z') + ms);
    await expect(verifyWith(token, keys, tokenOptions, at(299_000))).resolves.toMatchObject({ sub: 'ALICE' });
    await expect(verifyWith(token, keys, tokenOptions, at(301_000))).rejects.toThrow(/exp/);
    await expect(verifyWith(token, keys, { ...tokenOptions, audience: 'urn:custodian:prod' }, at(0))).rejects.toThrow(
      /aud/,
    );
    await expect(verifyWith(token, keys, { ...tokenOptions, issuer: 'urn:someone-else' }, at(0))).rejects.toThrow(
      /iss/,
    );
  });

  it('a token altered in any way, or checked against another key, does not verify', async () => {
    const { token } = await decideConsent(deps, { ecifId: 'ALICE', purpose: 'marketing', channel: 'email' });
    const [h, p, sig] = token.split('.');
    const forged = Buffer.from(Buffer.from(p, 'base64url').toString().replace('"allow"', '"deny"')).toString(
      'base64url',
    );
    await expect(verifyDecisionToken(`${h}.${forged}.${sig}`, signer.jwks())).rejects.toThrow();
    await expect(
      verifyDecisionToken(token, ed25519Signer('another-deployment-secret-000', tokenOptions).jwks()),
    ).rejects.toThrow();
  });

  it('the same secret gives the same key (every instance signs alike); the key id names it', () => {
    expect(ed25519Signer('unit-test-token-secret-0123456789', tokenOptions).jwks()).toEqual(signer.jwks());
    expect(signer.jwks().keys[0]).toMatchObject({
      kty: 'OKP',
      crv: 'Ed25519',
      alg: 'EdDSA',
      use: 'sig',
      kid: expect.stringMatching(/^[A-Za-z0-9_-]{16}$/),
    });
    expect(signer.jwks().keys[0]).not.toHaveProperty('d');
  });
});

describe('decideBatch', () => {
  it('answers every subject in order at one instant, by ecifId or local id, unknown ones denied', async () => {
    const subjects = [
      { ecifId: 'ALICE' },
      { systemId: 'crm', localId: 'C-1' },
      { systemId: 'crm', localId: 'C-404' },
      { ecifId: 'SOMEONE' },
    ];
    const { decidedAt, items } = await decideBatch(deps, { purpose: 'marketing', channel: 'email', subjects }, 2);
    expect(decidedAt).toBe('2025-06-01T11:00:00.000Z');
    expect(items.map((i) => [i.subject, i.decision, i.reason])).toEqual([
      [subjects[0], 'allow', 'granted'],
      [subjects[1], 'allow', 'granted'],
      [subjects[2], 'deny', 'unknown_subject'],
      [subjects[3], 'deny', 'unknown_subject'],
    ]);
    for (const i of items) expect((await verifyDecisionToken(i.token, signer.jwks())).rsn).toBe(i.reason);
  });

  it('property: a batch answers as the single calls do, whatever the subjects', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.constantFrom<SubjectRef>(
            { ecifId: 'ALICE' },
            { ecifId: 'NOBODY' },
            { systemId: 'crm', localId: 'C-1' },
            { systemId: 'crm', localId: 'X' },
          ),
          { maxLength: 20 },
        ),
        async (subjects) => {
          const { items } = await decideBatch(deps, { purpose: 'marketing', channel: 'email', subjects });
          const singles = await Promise.all(
            subjects.map((s) => decideConsent(deps, { ...s, purpose: 'marketing', channel: 'email' })),
          );
          expect(items.map(({ decision, reason, ecifId }) => ({ decision, reason, ecifId }))).toEqual(
            singles.map(({ decision, reason, ecifId }) => ({ decision, reason, ecifId })),
          );
        },
      ),
      { numRuns: 30 },
    );
  });
});
