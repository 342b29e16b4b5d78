/**
 * As-of consent is the ledger replayed: at any instant it equals replaying the events captured up
 * to then, and at the end it equals the projection the ledger keeps (written with each event).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { ConsentEvent } from '#core/consent/consent.ts';
import { decide } from '#core/consent/decide.ts';
import { noFlags } from '#core/consent/consent.ts';
import { replay } from '#core/consent/history.ts';
import { FakeConsentLedger } from '../../support/fakes.ts';

const base = Date.parse('2026-03-01T00:00:00.000Z');
const eventArb = fc.record({
  purpose: fc.constantFrom('marketing', 'analytics'),
  channel: fc.constantFrom('email', 'sms', 'any'),
  state: fc.constantFrom('granted', 'denied', 'withdrawn'),
  offset: fc.integer({ min: 0, max: 10_000 }),
}) as fc.Arbitrary<{
  purpose: ConsentEvent['purpose'];
  channel: ConsentEvent['channel'];
  state: ConsentEvent['state'];
  offset: number;
}>;

const toEvents = (
  raw: {
    purpose: ConsentEvent['purpose'];
    channel: ConsentEvent['channel'];
    state: ConsentEvent['state'];
    offset: number;
  }[],
): ConsentEvent[] =>
  raw.map((r, i) => ({
    ecifId: 'S1',
    eventId: `E${String(i).padStart(4, '0')}`,
    purpose: r.purpose,
    channel: r.channel,
    state: r.state,
    lawfulBasis: 'consent',
    jurisdiction: 'GDPR',
    notice: { id: 'n', version: '1' },
    method: 'web',
    evidence: { actorRole: 'customer', actorId: 'S1' },
    capturedAt: new Date(base + r.offset * 1000).toISOString(),
    receiptId: `R${i}`,
  }));

describe('consent as of an instant', () => {
  it('equals replaying the ledger up to then, at any instant (property)', () => {
    fc.assert(
      fc.property(fc.array(eventArb, { maxLength: 30 }), fc.integer({ min: -1, max: 10_001 }), (raw, at) => {
        const events = toEvents(raw);
        const asOf = new Date(base + at * 1000).toISOString();
        expect(replay(events, asOf)).toEqual(replay(events.filter((e) => e.capturedAt <= asOf)));
      }),
    );
  });

  it('at the end equals the projection the ledger keeps, whatever order the events arrived in (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(eventArb, { maxLength: 30 }).chain((raw) =>
          fc.tuple(
            fc.constant(raw),
            fc.shuffledSubarray(
              raw.map((_, i) => i),
              { minLength: raw.length },
            ),
          ),
        ),
        async ([raw, order]) => {
          const events = toEvents(raw);
          const ledger = new FakeConsentLedger();
          for (const i of order) await ledger.append([events[i]]);
          expect((await ledger.current('S1')).states).toEqual(replay(events));
        },
      ),
    );
  });

  it('a withdrawal after a grant denies from that instant on, and the grant still shows before it', () => {
    const events = toEvents([
      { purpose: 'marketing', channel: 'email', state: 'granted', offset: 10 },
      { purpose: 'marketing', channel: 'email', state: 'withdrawn', offset: 20 },
    ]);
    const at = (s: number) => replay(events, new Date(base + s * 1000).toISOString());
    const now = new Date(base + 30_000);
    expect(decide('marketing', 'email', at(15), noFlags, now)).toMatchObject({ decision: 'allow' });
    expect(decide('marketing', 'email', at(25), noFlags, now)).toMatchObject({ decision: 'deny' });
    expect(at(5)).toEqual([]);
  });
});
