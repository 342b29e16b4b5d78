/**
 * The consent decision table. Flags come first and override any grant (GDPR Art. 17 erasure,
 * Art. 18 restriction, Art. 21(3) objection to direct marketing, 11 CCR §7026 opt-out of sale or
 * sharing, §7027 limit on sensitive PI); then the most specific consent (the channel's, else `any`).
 */
import { describe, expect, it } from 'vitest';
import { purposes, type Channel, type Purpose } from '#core/consent/catalog.ts';
import { noFlags, type ConsentFlags, type CurrentConsent } from '#core/consent/consent.ts';
import { decide } from '#core/consent/decide.ts';

const now = new Date('2025-06-01T12:00:00.000Z');
const notice = { id: 'marketing-notice', version: '3' };

function consent(
  purpose: Purpose,
  channel: Channel,
  state: CurrentConsent['state'],
  extra: Partial<CurrentConsent> = {},
): CurrentConsent {
  return {
    purpose,
    channel,
    state,
    eventId: `E-${purpose}-${channel}-${state}`,
    capturedAt: '2025-05-01T00:00:00.000Z',
    notice,
    ...extra,
  };
}
const flags = (set: Partial<ConsentFlags> = {}): ConsentFlags => ({ ...noFlags, ...set });

describe('consent states', () => {
  it.each([
    { rule: 'no record: no consent (GDPR Art. 6(1)(a), 7(1))', states: [], decision: 'deny', reason: 'no_consent' },
    { rule: 'granted', states: [consent('marketing', 'email', 'granted')], decision: 'allow', reason: 'granted' },
    {
      rule: 'withdrawn (GDPR Art. 7(3))',
      states: [consent('marketing', 'email', 'withdrawn')],
      decision: 'deny',
      reason: 'withdrawn',
    },
    { rule: 'denied', states: [consent('marketing', 'email', 'denied')], decision: 'deny', reason: 'denied' },
    {
      rule: 'a grant for another purpose does not count',
      states: [consent('analytics', 'email', 'granted')],
      decision: 'deny',
      reason: 'no_consent',
    },
    {
      rule: 'a grant on another channel does not count',
      states: [consent('marketing', 'sms', 'granted')],
      decision: 'deny',
      reason: 'no_consent',
    },
  ] as const)('$rule -> $decision ($reason)', ({ states, decision, reason }) => {
    const d = decide('marketing', 'email', [...states], noFlags, now);
    expect(d.decision).toBe(decision);
    expect(d.reason).toBe(reason);
  });

  it('a decision from a consent carries its evidence: event, when, which notice, which channel (GDPR Art. 7(1))', () => {
    const c = consent('marketing', 'email', 'granted', { eventId: 'E1', capturedAt: '2025-04-01T08:00:00.000Z' });
    expect(decide('marketing', 'email', [c], noFlags, now)).toEqual({
      decision: 'allow',
      reason: 'granted',
      evidence: {
        eventId: 'E1',
        capturedAt: '2025-04-01T08:00:00.000Z',
        notice: { id: 'marketing-notice', version: '3' },
        channel: 'email',
      },
    });
  });

  it('a decision with no consent carries no evidence', () => {
    expect(decide('marketing', 'email', [], noFlags, now)).toEqual({ decision: 'deny', reason: 'no_consent' });
  });
});

describe('channel precedence: the channel’s own consent, else the purpose’s `any`', () => {
  it.each([
    {
      rule: '`any` grant covers a channel with no record of its own',
      states: [['any', 'granted']],
      ask: 'sms',
      decision: 'allow',
      reason: 'granted',
      from: 'any',
    },
    {
      rule: 'channel withdrawal beats `any` grant',
      states: [
        ['any', 'granted'],
        ['email', 'withdrawn'],
      ],
      ask: 'email',
      decision: 'deny',
      reason: 'withdrawn',
      from: 'email',
    },
    {
      rule: 'channel denial beats `any` grant',
      states: [
        ['email', 'denied'],
        ['any', 'granted'],
      ],
      ask: 'email',
      decision: 'deny',
      reason: 'denied',
      from: 'email',
    },
    {
      rule: 'channel grant beats `any` withdrawal',
      states: [
        ['any', 'withdrawn'],
        ['email', 'granted'],
      ],
      ask: 'email',
      decision: 'allow',
      reason: 'granted',
      from: 'email',
    },
    {
      rule: '`any` withdrawal applies where the channel has no record',
      states: [
        ['any', 'withdrawn'],
        ['email', 'granted'],
      ],
      ask: 'sms',
      decision: 'deny',
      reason: 'withdrawn',
      from: 'any',
    },
    {
      rule: 'asking for `any` reads the `any` record',
      states: [
        ['email', 'granted'],
        ['any', 'denied'],
      ],
      ask: 'any',
      decision: 'deny',
      reason: 'denied',
      from: 'any',
    },
  ] as const)('$rule', ({ states, ask, decision, reason, from }) => {
    const d = decide(
      'marketing',
      ask,
      states.map(([ch, st]) => consent('marketing', ch, st)),
      noFlags,
      now,
    );
    expect(d.decision).toBe(decision);
    expect(d.reason).toBe(reason);
    expect(d.evidence?.channel).toBe(from);
    expect(d.evidence?.eventId).toBe(`E-marketing-${from}-${states.find(([ch]) => ch === from)![1]}`);
  });
});

describe('expiry', () => {
  it.each([
    { rule: 'expired a second ago', expiresAt: '2025-06-01T11:59:59.000Z', decision: 'deny', reason: 'expired' },
    {
      rule: 'expires exactly now: expired',
      expiresAt: '2025-06-01T12:00:00.000Z',
      decision: 'deny',
      reason: 'expired',
    },
    {
      rule: 'expires in a second: still granted',
      expiresAt: '2025-06-01T12:00:01.000Z',
      decision: 'allow',
      reason: 'granted',
    },
  ] as const)('$rule -> $reason', ({ expiresAt, decision, reason }) => {
    const d = decide('analytics', 'email', [consent('analytics', 'email', 'granted', { expiresAt })], noFlags, now);
    expect(d).toMatchObject({ decision, reason });
    expect(d.evidence?.eventId).toBe('E-analytics-email-granted');
  });

  it('an expired channel grant is not rescued by an `any` grant (the specific record decides)', () => {
    const states = [
      consent('analytics', 'email', 'granted', { expiresAt: '2025-01-01T00:00:00.000Z' }),
      consent('analytics', 'any', 'granted'),
    ];
    expect(decide('analytics', 'email', states, noFlags, now)).toMatchObject({ decision: 'deny', reason: 'expired' });
  });

  it('a withdrawal that has "expired" is still a withdrawal', () => {
    const states = [consent('analytics', 'email', 'withdrawn', { expiresAt: '2025-01-01T00:00:00.000Z' })];
    expect(decide('analytics', 'email', states, noFlags, now)).toMatchObject({ decision: 'deny', reason: 'withdrawn' });
  });
});

describe('flags override grants', () => {
  // Each purpose holds a fresh `any` grant: only the flags can make the answer deny.
  const grantedAll = purposes.map((p) => consent(p, 'any', 'granted'));
  const table: { rule: string; flag: Partial<ConsentFlags>; purpose: Purpose; reason: string | null }[] = [
    ...purposes.map((purpose) => ({
      rule: 'GDPR Art. 17: erased subject',
      flag: { erased: true },
      purpose,
      reason: 'erased',
    })),
    ...purposes.map((purpose) => ({
      rule: 'GDPR Art. 18: restriction of processing',
      flag: { restricted: true },
      purpose,
      reason: 'restricted',
    })),
    {
      rule: 'GDPR Art. 21(3): objection stops direct marketing',
      flag: { objectedDirectMarketing: true },
      purpose: 'marketing',
      reason: 'objected',
    },
    {
      rule: 'GDPR Art. 21(2): profiling related to direct marketing',
      flag: { objectedDirectMarketing: true },
      purpose: 'profiling',
      reason: 'objected',
    },
    {
      rule: 'GDPR Art. 21(3): objection leaves analytics alone',
      flag: { objectedDirectMarketing: true },
      purpose: 'analytics',
      reason: null,
    },
    {
      rule: 'GDPR Art. 21(3): objection leaves sale alone',
      flag: { objectedDirectMarketing: true },
      purpose: 'sale',
      reason: null,
    },
    {
      rule: '11 CCR §7026: opt-out of sale stops sale',
      flag: { optOutSale: true },
      purpose: 'sale',
      reason: 'opted_out_sale',
    },
    {
      rule: '11 CCR §7026: opt-out of sale stops sharing',
      flag: { optOutSale: true },
      purpose: 'third_party_sharing',
      reason: 'opted_out_sharing',
    },
    {
      rule: '11 CCR §7026: opt-out of sharing stops sharing',
      flag: { optOutSharing: true },
      purpose: 'third_party_sharing',
      reason: 'opted_out_sharing',
    },
    {
      rule: '11 CCR §7026: opt-out of sharing stops sale',
      flag: { optOutSharing: true },
      purpose: 'sale',
      reason: 'opted_out_sale',
    },
    {
      rule: '11 CCR §7026: opt-out leaves marketing alone',
      flag: { optOutSale: true, optOutSharing: true },
      purpose: 'marketing',
      reason: null,
    },
    {
      rule: '11 CCR §7026: opt-out leaves analytics alone',
      flag: { optOutSharing: true },
      purpose: 'analytics',
      reason: null,
    },
    {
      rule: '11 CCR §7027: limit use of sensitive PI',
      flag: { limitSensitive: true },
      purpose: 'sensitive_data_use',
      reason: 'limited_sensitive_use',
    },
    {
      rule: '11 CCR §7027: limit leaves marketing alone',
      flag: { limitSensitive: true },
      purpose: 'marketing',
      reason: null,
    },
  ];

  it.each(table)('$rule: $purpose -> $reason', ({ flag, purpose, reason }) => {
    const d = decide(purpose, 'email', grantedAll, flags(flag), now);
    if (reason === null) {
      expect(d.decision).toBe('allow');
      expect(d.reason).toBe('granted');
    } else {
      // A flag denial names no consent event: the grant it overrides is not its evidence.
      expect(d).toEqual({ decision: 'deny', reason });
    }
  });

  it.each([
    {
      rule: 'erasure first',
      set: { erased: true, restricted: true, objectedDirectMarketing: true, optOutSale: true },
      purpose: 'marketing',
      reason: 'erased',
    },
    {
      rule: 'restriction before objection',
      set: { restricted: true, objectedDirectMarketing: true },
      purpose: 'marketing',
      reason: 'restricted',
    },
    {
      rule: 'restriction before opt-out',
      set: { restricted: true, optOutSale: true },
      purpose: 'sale',
      reason: 'restricted',
    },
    {
      rule: 'a flag beats a withdrawal too',
      set: { objectedDirectMarketing: true },
      purpose: 'marketing',
      reason: 'objected',
    },
  ] as const)('several flags at once: $rule', ({ set, purpose, reason }) => {
    const states = [consent(purpose, 'email', 'withdrawn')];
    expect(decide(purpose, 'email', states, flags(set), now)).toEqual({ decision: 'deny', reason });
  });

  it('no flag and no consent for the purpose is no_consent, not a flag reason', () => {
    expect(
      decide('sale', 'email', [consent('marketing', 'any', 'granted')], flags({ objectedDirectMarketing: true }), now),
    ).toEqual({
      decision: 'deny',
      reason: 'no_consent',
    });
  });
});

describe('the purpose model per jurisdiction, when nothing is recorded', () => {
  it.each(
    purposes.flatMap((purpose) => (['GDPR', 'CCPA'] as const).map((jurisdiction) => ({ purpose, jurisdiction }))),
  )('$purpose under $jurisdiction', ({ purpose, jurisdiction }) => {
    const optOut = jurisdiction === 'CCPA' && (purpose === 'sale' || purpose === 'third_party_sharing');
    // CCPA §1798.120: sale and sharing go on until the consumer opts out; everything else needs consent.
    expect(decide(purpose, 'email', [], noFlags, now, jurisdiction)).toEqual(
      optOut ? { decision: 'allow', reason: 'not_opted_out' } : { decision: 'deny', reason: 'no_consent' },
    );
  });

  it.each([
    { rule: 'an opt-out model purpose with an explicit denial is denied', state: 'denied', reason: 'denied' },
    { rule: 'an opt-out model purpose once withdrawn is denied', state: 'withdrawn', reason: 'withdrawn' },
  ] as const)('$rule', ({ state, reason }) => {
    expect(decide('sale', 'any', [consent('sale', 'any', state)], noFlags, now, 'CCPA').reason).toBe(reason);
  });

  it('an opt-out flag beats the opt-out model', () => {
    expect(decide('sale', 'any', [], flags({ optOutSale: true }), now, 'CCPA')).toEqual({
      decision: 'deny',
      reason: 'opted_out_sale',
    });
  });
});

describe('notice versions: a material change asks for consent again', () => {
  it.each([
    {
      rule: 'a grant under the current material version counts',
      notice: { id: 'privacy-notice', version: '3' },
      purpose: 'marketing',
      reason: 'granted',
    },
    {
      rule: 'a grant under v2 is outdated by the material v3',
      notice: { id: 'privacy-notice', version: '2' },
      purpose: 'marketing',
      reason: 'notice_version_outdated',
    },
    {
      rule: 'a grant under v1 is outdated by the material v3',
      notice: { id: 'privacy-notice', version: '1' },
      purpose: 'profiling',
      reason: 'notice_version_outdated',
    },
    {
      rule: 'analytics does not ask for consent again (configured per purpose)',
      notice: { id: 'privacy-notice', version: '1' },
      purpose: 'analytics',
      reason: 'granted',
    },
  ] as const)('$rule', ({ notice: n, purpose, reason }) => {
    const d = decide(purpose, 'email', [consent(purpose, 'email', 'granted', { notice: n })], noFlags, now);
    expect(d.reason).toBe(reason);
    // The evidence still names the grant and its notice: the CRM sees what to ask again.
    expect(d.evidence?.notice).toEqual(n);
  });

  it('a withdrawal under an old version is still a withdrawal', () => {
    expect(
      decide(
        'marketing',
        'email',
        [consent('marketing', 'email', 'withdrawn', { notice: { id: 'privacy-notice', version: '1' } })],
        noFlags,
        now,
      ).reason,
    ).toBe('withdrawn');
  });
});
