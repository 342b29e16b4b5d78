/**
 * POST /v1/consent-decisions and /batch through their handlers against DynamoDB Local: who the ECIF
 * says a subject is (known, erased by ecifId or by the CRM's own id, not held at all), and the token
 * a CRM checks offline with jose alone and the published key (GET /v1/consent-decisions/keys).
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyDecisionToken } from '#client/verify-decision-token.ts';
import { captureConsent } from '#core/consent/capture-consent.ts';
import { flagNames, type LedgerEvent } from '#core/consent/consent.ts';
import { replay } from '#core/consent/history.ts';
import { anonymized } from '#core/ecif/customer.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { buildEvent, lambdaContext } from '#infra/local/gateway.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

const audience = 'urn:custodian:handler-test';
let stores: LocalStores;

const customer = (ecifId: string, localId: string, email: string) =>
  upsertCustomer(
    stores.deps,
    ecifId,
    {
      name: { given: 'Test', family: ecifId },
      addresses: [],
      emails: [email],
      phones: [],
      nationalIds: [],
      crossReferences: [{ systemId: 'crm', localId }],
    },
    { role: 'steward', principal: 'test' },
  );

beforeAll(async () => {
  process.env.DECISION_TOKEN_AUDIENCE = audience;
  stores = await startLocalStores();
  await customer('DEC-KEPT', 'CRM-KEPT', 'kept@example.com');
  await customer('DEC-GONE', 'CRM-GONE', 'gone@example.com');
  await customer('DEC-BARE', 'CRM-BARE', 'bare@example.com');
  for (const ecifId of ['DEC-KEPT', 'DEC-GONE'])
    await captureConsent(
      stores.deps,
      {
        choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
        lawfulBasis: 'consent',
        jurisdiction: 'GDPR',
        notice: { id: 'privacy-notice', version: '3' },
        method: 'web',
      },
      { role: 'customer', principal: ecifId },
    );
  // What an erasure's last step does in the ECIF and in consent (core/requests/workflow.ts, eraseInEcif).
  const gone = (await stores.deps.ecif.getCustomer('DEC-GONE'))!;
  const at = new Date().toISOString();
  await stores.deps.ecif.eraseCustomer(anonymized(gone, at), gone.identities);
  await stores.deps.consent.setFlags('DEC-GONE', { erased: true }, at, { requestId: 'test-erasure' });
}, 120_000);
afterAll(async () => {
  delete process.env.DECISION_TOKEN_AUDIENCE;
  await stores?.stop();
});

async function call(name: string, method: string, path: string, body?: unknown, params: Record<string, string> = {}) {
  const { handler } = await import(`#handlers/http/${name}.ts`);
  const event = buildEvent(
    {
      method,
      url: path,
      headers: { 'content-type': 'application/json' },
      body: Buffer.from(body === undefined ? '' : JSON.stringify(body)),
    },
    `${method} ${path.split('?')[0]}`,
    params,
    { claims: { sub: 'crm-test', 'cognito:groups': 'crm' }, scopes: [] },
  );
  const res = await handler(event, lambdaContext(name, event.requestContext.requestId));
  return { status: res.statusCode as number, body: JSON.parse(res.body) };
}
const decide = (subject: object, purpose = 'marketing', jurisdiction = 'GDPR') =>
  call('decide-consent', 'POST', '/v1/consent-decisions', { ...subject, purpose, channel: 'email', jurisdiction });

describe('who a decision is about', () => {
  it.each([
    { who: 'a known customer by ecifId', subject: { ecifId: 'DEC-KEPT' }, reason: 'granted', ecifId: 'DEC-KEPT' },
    {
      who: 'the same by the CRM id',
      subject: { systemId: 'crm', localId: 'CRM-KEPT' },
      reason: 'granted',
      ecifId: 'DEC-KEPT',
    },
    {
      who: 'a known customer with nothing recorded',
      subject: { ecifId: 'DEC-BARE' },
      reason: 'no_consent',
      ecifId: 'DEC-BARE',
    },
    { who: 'an erased customer by ecifId', subject: { ecifId: 'DEC-GONE' }, reason: 'erased', ecifId: 'DEC-GONE' },
    // The suppression entry keeps no ecifId: the answer names none either.
    { who: 'an erased customer by the CRM id', subject: { systemId: 'crm', localId: 'CRM-GONE' }, reason: 'erased' },
    { who: 'an ecifId the ECIF does not hold', subject: { ecifId: 'DEC-NOBODY' }, reason: 'unknown_subject' },
    {
      who: 'a CRM id the ECIF does not hold',
      subject: { systemId: 'crm', localId: 'CRM-NOBODY' },
      reason: 'unknown_subject',
    },
  ])('$who: $reason', async ({ subject, reason, ecifId }) => {
    const { status, body } = await decide(subject);
    expect(status).toBe(200);
    expect(body).toMatchObject({ decision: reason === 'granted' ? 'allow' : 'deny', reason });
    expect(body.ecifId).toBe(ecifId);
  });

  it('an ecifId the ECIF does not hold is no one for an opt-out purpose either (never allow not_opted_out)', async () => {
    expect((await decide({ ecifId: 'DEC-BARE' }, 'sale', 'CCPA')).body).toMatchObject({
      decision: 'allow',
      reason: 'not_opted_out',
    });
    expect((await decide({ ecifId: 'DEC-NOBODY' }, 'sale', 'CCPA')).body).toMatchObject({
      decision: 'deny',
      reason: 'unknown_subject',
    });
  });

  it('a batch answers each subject as the single route does', async () => {
    const subjects = [
      { ecifId: 'DEC-KEPT' },
      { systemId: 'crm', localId: 'CRM-GONE' },
      { ecifId: 'DEC-GONE' },
      { ecifId: 'DEC-NOBODY' },
      { systemId: 'crm', localId: 'CRM-KEPT' },
      { systemId: 'crm', localId: 'CRM-NOBODY' },
      { ecifId: 'DEC-BARE' },
    ];
    const { status, body } = await call('decide-consent-batch', 'POST', '/v1/consent-decisions/batch', {
      purpose: 'marketing',
      channel: 'email',
      subjects,
    });
    expect(status).toBe(200);
    const singles = await Promise.all(subjects.map((s) => decide(s)));
    expect(body.items.map((i: Record<string, unknown>) => [i.decision, i.reason, i.ecifId])).toEqual(
      singles.map(({ body: s }) => [s.decision, s.reason, s.ecifId]),
    );
    expect(body.items.map((i: { reason: string }) => i.reason)).toEqual([
      'granted',
      'erased',
      'erased',
      'unknown_subject',
      'granted',
      'unknown_subject',
      'no_consent',
    ]);
  });
});

describe('the decision token, checked offline with the published key', () => {
  it('verifies with jose alone: this deployment as audience, the issuer, a validity of five minutes', async () => {
    const keys = (await call('decision-keys', 'GET', '/v1/consent-decisions/keys')).body;
    const { body } = await decide({ ecifId: 'DEC-KEPT' });
    const claims = await verifyDecisionToken(body.token, keys, { issuer: 'urn:custodian', audience });
    expect(claims).toMatchObject({ iss: 'urn:custodian', aud: audience, sub: 'DEC-KEPT', dec: 'allow' });
    expect(claims.iat).toBe(Math.floor(Date.parse(body.decidedAt) / 1000));
    expect(claims.exp! - claims.iat!).toBe(300);
    expect(JSON.parse(Buffer.from(body.token.split('.')[0], 'base64url').toString()).kid).toBe(keys.keys[0].kid);
    await expect(
      verifyDecisionToken(body.token, keys, { issuer: 'urn:custodian', audience: 'urn:custodian:local' }),
    ).rejects.toThrow(/aud/);
    await expect(
      verifyDecisionToken(body.token, keys, { issuer: 'urn:custodian', audience }, new Date((claims.exp! + 1) * 1000)),
    ).rejects.toThrow(/exp/);
  });

  it('docs/campaign-check.md shows the verifying code as it is run here', () => {
    const doc = readFileSync(new URL('../../../docs/campaign-check.md', import.meta.url), 'utf8');
    const shown = doc.split('<!-- client/verify-decision-token.ts -->\n```ts\n')[1]?.split('```')[0];
    expect(shown).toBe(readFileSync(new URL('../../../client/verify-decision-token.ts', import.meta.url), 'utf8'));
  });
});

describe('consent as of an instant, flags included', () => {
  const base = Date.parse('2026-02-01T00:00:00.000Z');
  const at = (s: number) => new Date(base + s * 1000).toISOString();
  let subject = 0;

  it('GET ?asOf=t answers the ledger replayed up to t: choices, flags, and the event each rests on (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.oneof(
            fc.record({ state: fc.constantFrom('granted' as const, 'withdrawn' as const), s: fc.nat(100) }),
            fc.record({ flag: fc.constantFrom(...flagNames), value: fc.boolean(), s: fc.nat(100) }),
          ),
          { minLength: 1, maxLength: 8 },
        ),
        fc.array(fc.integer({ min: -1, max: 101 }), { minLength: 1, maxLength: 3 }),
        async (writes, instants) => {
          const ecifId = `ASOF-${subject++}`;
          for (const [i, w] of writes.entries()) {
            if ('flag' in w)
              await stores.deps.consent.setFlags(ecifId, { [w.flag]: w.value }, at(w.s), { requestId: `Q${i}` });
            else
              await stores.deps.consent.append([
                {
                  ecifId,
                  eventId: `${String(w.s).padStart(4, '0')}-${Math.random().toString(36).slice(2)}`,
                  purpose: 'marketing',
                  channel: 'email',
                  state: w.state,
                  lawfulBasis: 'consent',
                  jurisdiction: 'GDPR',
                  notice: { id: 'privacy-notice', version: '3' },
                  method: 'web',
                  evidence: { actorRole: 'customer', actorId: ecifId },
                  capturedAt: at(w.s),
                  receiptId: 'R',
                },
              ]);
          }
          const ledger = (
            await call('get-consent-history', 'GET', `/v1/subjects/${ecifId}/consents/history?limit=500`, undefined, {
              ecifId,
            })
          ).body.items as LedgerEvent[];
          expect(ledger).toHaveLength(writes.length);
          for (const t of instants) {
            const asOf = at(t);
            const { status, body } = await call(
              'get-subject-consents',
              'GET',
              `/v1/subjects/${ecifId}/consents?asOf=${encodeURIComponent(asOf)}`,
              undefined,
              { ecifId },
            );
            expect(status).toBe(200);
            const expected = replay(ledger.filter((e) => e.capturedAt <= asOf));
            expect(body.flags).toEqual(expected.flags);
            expect(body.consents.map((c: { eventId: string }) => c.eventId)).toEqual(
              expected.states.map((c) => c.eventId),
            );
            expect(Object.keys(body.flagEvents).sort()).toEqual(Object.keys(expected.flagEvents).sort());
          }
          // And now: the projection a decision reads is the whole ledger replayed.
          const now = await call('get-subject-consents', 'GET', `/v1/subjects/${ecifId}/consents`, undefined, {
            ecifId,
          });
          expect(now.body.flags).toEqual(replay(ledger).flags);
        },
      ),
      { numRuns: 12 },
    );
  });
});
