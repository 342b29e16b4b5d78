/**
 * Capturing consent: provable (which notice and version, when, how, by whom: GDPR Art. 7(1)),
 * withdrawing as easy as giving (Art. 7(3): the same call), a customer only for itself, and
 * someone acting on a customer's behalf only with evidence.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { verifyChain } from '#core/audit/event.ts';
import { captureConsent, giveOrWithdrawConsent, type CaptureDeps } from '#core/consent/capture-consent.ts';
import type { CaptureInput } from '#core/consent/consent.ts';
import type { ConsentChanged } from '#core/consent/changes.ts';
import { decide } from '#core/consent/decide.ts';
import { anonymized } from '#core/ecif/customer.ts';
import { createIdentityHasher } from '#core/ecif/identifiers.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { InvalidInputError, NotFoundError } from '#core/shared/errors.ts';
import {
  FakeAuditLog,
  FakeConsentLedger,
  FakeEcifRegistry,
  FakeRequestStore,
  FakeRequestWorkflow,
} from '../../support/fakes.ts';

const hash = createIdentityHasher('unit-test-pepper-0123456789');
const alice: Actor = { role: 'customer', principal: 'ALICE' };
const crm: Actor = { role: 'crm', principal: 'crm-app' };

let consent: FakeConsentLedger;
let ecif: FakeEcifRegistry;
let audit: FakeAuditLog;
let clock: ReturnType<typeof fixedClock>;
let deps: CaptureDeps;

beforeEach(async () => {
  clock = fixedClock('2025-06-01T10:00:00.000Z');
  consent = new FakeConsentLedger();
  ecif = new FakeEcifRegistry();
  audit = new FakeAuditLog(clock);
  deps = { consent, ecif, audit, clock };
  const base = { addresses: [], phones: [], nationalIds: [], crossReferences: [] };
  const ecifDeps = { ecif, audit: new FakeAuditLog(clock), hash, clock };
  await upsertCustomer(
    ecifDeps,
    'ALICE',
    { ...base, name: { given: 'Alice', family: 'Smith' }, emails: ['alice@example.com'] },
    { role: 'steward', principal: 's' },
  );
  await upsertCustomer(
    ecifDeps,
    'BOB',
    { ...base, name: { given: 'Bob', family: 'Jones' }, emails: ['bob@example.com'] },
    { role: 'steward', principal: 's' },
  );
});

const notice = { id: 'marketing-notice', version: '3' };
const capture = (over: Partial<CaptureInput> = {}): CaptureInput => ({
  choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
  lawfulBasis: 'consent',
  jurisdiction: 'GDPR',
  notice,
  method: 'web',
  ...over,
});

describe('captureConsent', () => {
  it('records one provable event per choice under one receipt, and answers with the receipt', async () => {
    const result = await captureConsent(
      deps,
      capture({
        choices: [
          { purpose: 'marketing', channel: 'email', state: 'granted' },
          { purpose: 'analytics', channel: 'any', state: 'denied' },
        ],
        evidence: { userAgent: 'Mozilla/5.0', ipHash: 'a'.repeat(64) },
      }),
      alice,
    );
    expect(result).toEqual({
      receiptId: expect.any(String),
      ecifId: 'ALICE',
      capturedAt: '2025-06-01T10:00:00.000Z',
      gpcHonored: false,
      optedOut: false,
      events: [
        { eventId: expect.any(String), purpose: 'marketing', channel: 'email', state: 'granted' },
        { eventId: expect.any(String), purpose: 'analytics', channel: 'any', state: 'denied' },
      ],
      receipt: expect.objectContaining({ version: 'KI-CR-v1.1.0', consentReceiptID: expect.any(String) }),
    });
    const ledger = consent.choices('ALICE');
    expect(ledger).toHaveLength(2);
    const marketing = ledger.find((e) => e.purpose === 'marketing')!;
    expect(marketing).toEqual({
      ecifId: 'ALICE',
      eventId: result.events[0].eventId,
      purpose: 'marketing',
      channel: 'email',
      state: 'granted',
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'marketing-notice', version: '3' },
      method: 'web',
      evidence: { userAgent: 'Mozilla/5.0', ipHash: 'a'.repeat(64), actorRole: 'customer', actorId: 'ALICE' },
      capturedAt: '2025-06-01T10:00:00.000Z',
      receiptId: result.receiptId,
    });
    expect(new Set(ledger.map((e) => e.receiptId))).toEqual(new Set([result.receiptId]));
    expect(new Set(ledger.map((e) => e.eventId)).size).toBe(2);
  });

  it('audits the capture on the subject’s consent stream', async () => {
    const result = await captureConsent(deps, capture(), alice);
    const events = await audit.stream('consent:ALICE');
    expect(events.map((e) => [e.action, e.actor, e.target])).toEqual([
      ['consent.captured', alice, { ecifId: 'ALICE' }],
    ]);
    expect(events[0].details).toEqual({
      receiptId: result.receiptId,
      choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
      notice,
      method: 'web',
    });
    expect(verifyChain(events)).toBeUndefined();
  });

  it('the receipt carries the Kantara Consent Receipt v1.1 fields, and is kept to be fetched later', async () => {
    const result = await captureConsent(
      deps,
      capture({
        choices: [
          { purpose: 'marketing', channel: 'email', state: 'granted' },
          { purpose: 'sale', channel: 'any', state: 'denied' },
        ],
        jurisdiction: 'CCPA',
      }),
      alice,
    );
    const r = result.receipt;
    // Kantara CR v1.1 required fields, each present and typed as the specification says.
    expect(r).toMatchObject({
      version: 'KI-CR-v1.1.0',
      jurisdiction: 'US-CA',
      consentTimestamp: Date.parse('2025-06-01T10:00:00.000Z') / 1000,
      collectionMethod: 'web',
      consentReceiptID: result.receiptId,
      language: 'en',
      piiPrincipalId: 'ALICE',
      piiControllers: [
        expect.objectContaining({
          piiController: expect.any(String),
          contact: expect.any(String),
          address: expect.any(String),
          email: expect.any(String),
          phone: expect.any(String),
        }),
      ],
      policyUrl: expect.stringMatching(/^https:\/\//),
      sensitive: false,
      spiCat: [],
    });
    expect(r.services).toHaveLength(1);
    const purposes = r.services[0].purposes;
    expect(purposes.map((p) => [p.purpose, p.consentType, p.thirdPartyDisclosure])).toEqual([
      ['Marketing', 'EXPLICIT', false],
      ['Sale of personal information', 'EXPLICIT', true],
    ]);
    for (const p of purposes) {
      expect(p).toMatchObject({
        purposeCategory: expect.any(Array),
        piiCategory: expect.any(Array),
        primaryPurpose: false,
        termination: expect.any(String),
      });
    }
    expect(await consent.receipt(result.receiptId)).toEqual({ ecifId: 'ALICE', receipt: r });
  });

  it('refuses a notice the catalog does not know (422), with nothing written', async () => {
    await expect(captureConsent(deps, capture({ notice: { id: 'made-up', version: '1' } }), alice)).rejects.toThrow(
      /not in the consent catalog/,
    );
    await expect(
      captureConsent(deps, capture({ notice: { id: 'privacy-notice', version: '9' } }), alice),
    ).rejects.toThrow(/not in the consent catalog/);
    expect(consent.choices('ALICE')).toEqual([]);
  });

  it('keeps an expiry when one is given', async () => {
    await captureConsent(deps, capture({ expiresAt: '2026-06-01T00:00:00.000Z' }), alice);
    const { states } = await consent.current('ALICE');
    expect(states).toEqual([
      {
        purpose: 'marketing',
        channel: 'email',
        state: 'granted',
        eventId: expect.any(String),
        capturedAt: '2025-06-01T10:00:00.000Z',
        notice,
        expiresAt: '2026-06-01T00:00:00.000Z',
      },
    ]);
  });

  it('GDPR Art. 7(3): withdrawing is the same call, and the latest event decides', async () => {
    await captureConsent(deps, capture(), alice);
    clock.advance(1000);
    await captureConsent(
      deps,
      capture({ choices: [{ purpose: 'marketing', channel: 'email', state: 'withdrawn' }] }),
      alice,
    );
    const { states, flags } = await consent.current('ALICE');
    expect(consent.choices('ALICE').map((e) => e.state)).toEqual(['granted', 'withdrawn']);
    expect(decide('marketing', 'email', states, flags, clock.now())).toMatchObject({
      decision: 'deny',
      reason: 'withdrawn',
    });
  });

  it.each([
    {
      rule: 'a customer may only capture for itself (another ecifId is "not found", so existence does not leak)',
      actor: alice,
      over: { ecifId: 'BOB' },
      error: NotFoundError,
      extensions: {},
    },
    {
      rule: 'a crm must name the customer',
      actor: crm,
      over: { evidence: { reference: 'call-123' } },
      error: InvalidInputError,
      extensions: { field: 'ecifId' },
    },
    {
      rule: 'a crm acting on a customer’s behalf must give evidence (GDPR Art. 7(1))',
      actor: crm,
      over: { ecifId: 'ALICE' },
      error: InvalidInputError,
      extensions: { field: 'evidence' },
    },
    {
      rule: 'an unknown subject is not found',
      actor: crm,
      over: { ecifId: 'NOBODY', evidence: { reference: 'call-123' } },
      error: NotFoundError,
      extensions: {},
    },
  ])('$rule', async ({ actor, over, error, extensions }) => {
    const err = await captureConsent(deps, capture(over), actor).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(error);
    expect((err as InvalidInputError).extensions).toEqual(extensions);
    expect(consent.events.size).toBe(0);
    expect(audit.count()).toBe(0);
  });

  it('a customer naming itself is fine', async () => {
    await captureConsent(deps, capture({ ecifId: 'ALICE' }), alice);
    expect(consent.choices('ALICE')).toHaveLength(1);
  });

  it('a crm with evidence records who acted and the evidence', async () => {
    await captureConsent(
      deps,
      capture({ ecifId: 'BOB', method: 'call_center', evidence: { reference: 'call-123' } }),
      crm,
    );
    expect(consent.choices('BOB')[0]).toMatchObject({
      method: 'call_center',
      evidence: { reference: 'call-123', actorRole: 'crm', actorId: 'crm-app' },
    });
  });

  it('an erased subject cannot be given consent again', async () => {
    const record = (await ecif.getCustomer('ALICE'))!;
    await ecif.eraseCustomer(anonymized(record, '2025-06-01T09:00:00.000Z'), record.identities);
    await expect(captureConsent(deps, capture(), alice)).rejects.toBeInstanceOf(NotFoundError);
    expect(consent.events.size).toBe(0);
  });
});

describe('consent changes go out', () => {
  const published: ConsentChanged[] = [];
  beforeEach(() => {
    published.length = 0;
    deps = { ...deps, changes: { publish: async (c) => void published.push(c) } };
  });

  it('every capture publishes consent.changed with ids and choices only', async () => {
    const { receiptId } = await captureConsent(deps, capture(), alice);
    expect(published).toEqual([
      {
        type: 'consent.changed',
        ecifId: 'ALICE',
        at: '2025-06-01T10:00:00.000Z',
        receiptId,
        choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
      },
    ]);
    expect(JSON.stringify(published)).not.toContain('alice@example.com');
  });

  it.each([
    {
      rule: '11 CCR §7026: withdrawing sale is an opt-out of sale and sharing',
      choice: { purpose: 'sale', channel: 'any', state: 'withdrawn' },
      gpc: false,
      optedOut: true,
    },
    {
      rule: '11 CCR §7026: refusing third-party sharing is the same opt-out',
      choice: { purpose: 'third_party_sharing', channel: 'any', state: 'denied' },
      gpc: false,
      optedOut: true,
    },
    {
      rule: '11 CCR §7025: Sec-GPC: 1 from the customer is an opt-out whatever the choice',
      choice: { purpose: 'analytics', channel: 'any', state: 'granted' },
      gpc: true,
      optedOut: true,
    },
    {
      rule: 'a grant of sale is no opt-out',
      choice: { purpose: 'sale', channel: 'any', state: 'granted' },
      gpc: false,
      optedOut: false,
    },
  ] as const)('$rule', async ({ choice, gpc, optedOut }) => {
    const result = await captureConsent(deps, capture({ jurisdiction: 'CCPA', choices: [choice] }), alice, { gpc });
    expect(result.optedOut).toBe(optedOut);
    const flags = (await consent.current('ALICE')).flags;
    expect({ sale: flags.optOutSale, sharing: flags.optOutSharing }).toEqual({ sale: optedOut, sharing: optedOut });
    expect(published[0].flags).toEqual(optedOut ? { optOutSale: true, optOutSharing: true } : undefined);
  });

  it('publishing comes after the ledger, the receipt and the audit event: a bus that is down undoes nothing', async () => {
    deps = { ...deps, changes: { publish: async () => Promise.reject(new Error('bus down')) } };
    await expect(captureConsent(deps, capture(), alice)).rejects.toThrow('bus down');
    expect(consent.choices('ALICE')).toHaveLength(1);
    expect(audit.count()).toBe(1);
  });
});

describe('giving or withdrawing, as POST /v1/consents does it', () => {
  const withWorkflow = () => {
    const requests = new FakeRequestStore();
    const workflow = new FakeRequestWorkflow();
    return { requests, workflow, all: { ...deps, requests, workflow, holidays: new Set<string>() } };
  };

  it.each([
    {
      rule: 'a withdrawal of sale is pushed on to the systems, as an opt-out request',
      input: { choices: [{ purpose: 'sale', channel: 'any', state: 'withdrawn' }] },
      gpc: false,
      pushed: 'consent',
    },
    {
      rule: "the customer's own browser sending Sec-GPC: 1 is an opt-out, pushed on",
      input: {},
      gpc: true,
      pushed: 'gpc',
    },
    { rule: 'a marketing grant is recorded, and nothing is pushed on', input: {}, gpc: false, pushed: undefined },
  ] as const)('$rule', async ({ input, gpc, pushed }) => {
    const { requests, workflow, all } = withWorkflow();
    const answer = await giveOrWithdrawConsent(all, capture(input as Partial<CaptureInput>), alice, { gpc });
    expect(answer).toMatchObject({ ecifId: 'ALICE', receiptId: expect.any(String) });
    expect(answer).not.toHaveProperty('optedOut');
    if (!pushed) {
      expect(answer).not.toHaveProperty('optOutRequestId');
      expect(workflow.calls).toBe(0);
      return;
    }
    const request = await requests.get(answer.optOutRequestId!);
    expect(request).toMatchObject({ type: 'opt_out_sale_sharing', ecifId: 'ALICE', status: 'received' });
    expect(workflow.started.has(request!.id)).toBe(true);
    expect((await audit.stream(`request:${request!.id}`))[0]).toMatchObject({
      action: 'request.received',
      details: { source: pushed },
    });
  });

  it('a second withdrawal while the first opt-out is being pushed answers with the same request', async () => {
    const { workflow, all } = withWorkflow();
    const withdraw = capture({ choices: [{ purpose: 'sale', channel: 'any', state: 'withdrawn' }] });
    const first = await giveOrWithdrawConsent(all, withdraw, alice);
    clock.advance(1000);
    const second = await giveOrWithdrawConsent(all, withdraw, alice);
    expect(second.optOutRequestId).toBe(first.optOutRequestId);
    expect(second.receiptId).not.toBe(first.receiptId);
    expect(workflow.calls).toBe(1);
  });
});
