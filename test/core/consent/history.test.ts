/**
 * As-of consent is the ledger replayed, flags included: at any instant it equals replaying the events
 * captured up to then, and at the end it equals the projection the ledger keeps (written with each event).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { flagNames, noFlags, type ConsentEvent, type FlagEvent, type LedgerEvent } from '#core/consent/consent.ts';
import { decide } from '#core/consent/decide.ts';
import { replay } from '#core/consent/history.ts';
import { FakeConsentLedger } from '../../support/fakes.ts';

const base = Date.parse('2026-03-01T00:00:00.000Z');
type RawChoice = {
  purpose: ConsentEvent['purpose'];
  channel: ConsentEvent['channel'];
  state: ConsentEvent['state'];
  offset: number;
};
type RawFlag = { flag: FlagEvent['flag']; value: boolean; offset: number };
const choiceArb = fc.record({
  purpose: fc.constantFrom('marketing', 'analytics'),
  channel: fc.constantFrom('email', 'sms', 'any'),
  state: fc.constantFrom('granted', 'denied', 'withdrawn'),
  offset: fc.integer({ min: 0, max: 10_000 }),
}) as fc.Arbitrary<RawChoice>;
const flagArb = fc.record({
  flag: fc.constantFrom(...flagNames),
  value: fc.boolean(),
  offset: fc.integer({ min: 0, max: 10_000 }),
});
/** A ledger: choices and flag changes mixed, at instants that may coincide. */
const ledgerArb = fc.array(fc.oneof(choiceArb, flagArb), { maxLength: 30 });

const at = (offset: number) => new Date(base + offset * 1000).toISOString();
const toEvents = (raw: (RawChoice | RawFlag)[]): LedgerEvent[] =>
  raw.map((r, i) => {
    const eventId = `E${String(i).padStart(4, '0')}`;
    if ('flag' in r)
      return {
        kind: 'flag',
        ecifId: 'S1',
        eventId,
        flag: r.flag,
        value: r.value,
        capturedAt: at(r.offset),
        cause: { requestId: `Q${i}` },
      };
    return {
      ecifId: 'S1',
      eventId,
      purpose: r.purpose,
      channel: r.channel,
      state: r.state,
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'n', version: '1' },
      method: 'web',
      evidence: { actorRole: 'customer', actorId: 'S1' },
      capturedAt: at(r.offset),
      receiptId: `R${i}`,
    };
  });

describe('consent as of an instant', () => {
  it('equals replaying the ledger up to then, flags included, at any instant (property)', () => {
    fc.assert(
      fc.property(ledgerArb, fc.integer({ min: -1, max: 10_001 }), (raw, t) => {
        const events = toEvents(raw);
        const asOf = at(t);
        const replayed = replay(events, asOf);
        expect(replayed).toEqual(replay(events.filter((e) => e.capturedAt <= asOf)));
        // Each flag is the value of its latest event up to then (ledger order), else unset.
        for (const flag of flagNames) {
          const last = events
            .filter((e): e is FlagEvent => 'flag' in e && e.flag === flag && e.capturedAt <= asOf)
            .sort((a, b) => a.capturedAt.localeCompare(b.capturedAt) || a.eventId.localeCompare(b.eventId))
            .at(-1);
          expect(replayed.flags[flag]).toBe(last?.value ?? false);
        }
      }),
    );
  });

  it('at the end equals the projection the ledger keeps, flags included, whatever order the events arrived in (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        ledgerArb.chain((raw) =>
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
          for (const i of order) {
            const e = events[i];
            if ('flag' in e) await ledger.setFlags('S1', { [e.flag]: e.value }, e.capturedAt, e.cause);
            else await ledger.append([e]);
          }
          // Replayed as stored: a flag event gets its id from the ledger, and two at the same instant are
          // ordered by that id, in the projection and in the replay alike.
          const { states, flags } = replay(ledger.ledger('S1'));
          expect(await ledger.current('S1')).toEqual({ states, flags });
        },
      ),
    );
  });

  it('a withdrawal after a grant denies from that instant on, and the grant still shows before it', () => {
    const events = toEvents([
      { purpose: 'marketing', channel: 'email', state: 'granted', offset: 10 },
      { purpose: 'marketing', channel: 'email', state: 'withdrawn', offset: 20 },
    ]);
    const states = (s: number) => replay(events, at(s)).states;
    const now = new Date(base + 30_000);
    expect(decide('marketing', 'email', states(15), noFlags, now)).toMatchObject({ decision: 'allow' });
    expect(decide('marketing', 'email', states(25), noFlags, now)).toMatchObject({ decision: 'deny' });
    expect(states(5)).toEqual([]);
  });

  it('an objection after a grant: the decision as of before it allows, as of after it denies (objected)', () => {
    const events = toEvents([
      { purpose: 'marketing', channel: 'email', state: 'granted', offset: 10 },
      { flag: 'objectedDirectMarketing', value: true, offset: 20 },
    ]);
    const decideAt = (s: number) => {
      const { states, flags } = replay(events, at(s));
      return decide('marketing', 'email', states, flags, new Date(base + s * 1000));
    };
    expect(decideAt(15)).toMatchObject({ decision: 'allow', reason: 'granted' });
    expect(decideAt(25)).toMatchObject({ decision: 'deny', reason: 'objected' });
    expect(replay(events, at(25)).flagEvents.objectedDirectMarketing).toMatchObject({
      eventId: 'E0001',
      cause: { requestId: 'Q1' },
    });
  });
});
