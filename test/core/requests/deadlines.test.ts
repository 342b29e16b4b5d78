/**
 * Statutory deadlines, as the rules state them: GDPR Art. 12(3) one calendar month from receipt
 * (a month from 31 January ends on the last day of February, EU Reg. 1182/71 Art. 3(2)(c)),
 * 11 CCR §7021 acknowledge within 10 business days and answer within 45 calendar days.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addBusinessDays,
  addCalendarMonths,
  addDays,
  deadlinesFor,
  extendedDeadline,
  holidaysFrom,
  onWorkingDay,
} from '#core/requests/deadlines.ts';

const at = (iso: string) => new Date(iso);
const iso = (d: Date) => d.toISOString();

describe('GDPR Art. 12(3): one calendar month from receipt', () => {
  it.each([
    { case: 'same day next month', received: '2025-01-15T10:00:00.000Z', due: '2025-02-15T10:00:00.000Z' },
    {
      case: '31 Jan clamps to 28 Feb (common year)',
      received: '2025-01-31T09:30:00.000Z',
      due: '2025-02-28T09:30:00.000Z',
    },
    {
      case: '31 Jan clamps to 29 Feb (leap year)',
      received: '2024-01-31T00:00:00.000Z',
      due: '2024-02-29T00:00:00.000Z',
    },
    {
      case: '30 Jan clamps to 29 Feb (leap year)',
      received: '2024-01-30T12:00:00.000Z',
      due: '2024-02-29T12:00:00.000Z',
    },
    {
      case: '29 Jan in a common year clamps to 28 Feb',
      received: '2025-01-29T12:00:00.000Z',
      due: '2025-02-28T12:00:00.000Z',
    },
    { case: '29 Feb (leap) to 29 Mar', received: '2024-02-29T08:00:00.000Z', due: '2024-03-29T08:00:00.000Z' },
    {
      case: '28 Feb to 28 Mar, not end of March',
      received: '2025-02-28T08:00:00.000Z',
      due: '2025-03-28T08:00:00.000Z',
    },
    { case: '31 Mar clamps to 30 Apr', received: '2025-03-31T23:59:59.000Z', due: '2025-04-30T23:59:59.000Z' },
    { case: '31 Aug clamps to 30 Sep', received: '2025-08-31T06:00:00.000Z', due: '2025-09-30T06:00:00.000Z' },
    { case: '31 Dec rolls into next year', received: '2025-12-31T18:00:00.000Z', due: '2026-01-31T18:00:00.000Z' },
    {
      case: '2100 is not a leap year (century)',
      received: '2100-01-31T00:00:00.000Z',
      due: '2100-02-28T00:00:00.000Z',
    },
    { case: '2000 is a leap year (400 rule)', received: '2000-01-31T00:00:00.000Z', due: '2000-02-29T00:00:00.000Z' },
  ])('$case: $received -> $due', ({ received, due }) => {
    expect(iso(addCalendarMonths(at(received), 1))).toBe(due);
    // The held-to deadline is that day, or the next working day (Reg. 1182/71 Art. 3(4)).
    expect(iso(deadlinesFor('GDPR', at(received)).dueAt)).toBe(iso(onWorkingDay(at(due))));
  });

  it.each([
    {
      case: 'a month ending on a Saturday ends on the Monday',
      received: '2025-01-15T10:00:00.000Z',
      due: '2025-02-17T10:00:00.000Z',
    },
    {
      case: 'a month ending on a Sunday ends on the Monday',
      received: '2025-12-31T18:00:00.000Z',
      due: '2026-02-02T18:00:00.000Z',
    },
    {
      case: 'a month ending on a weekday stays',
      received: '2025-01-31T09:30:00.000Z',
      due: '2025-02-28T09:30:00.000Z',
    },
    {
      case: 'a holiday on the last day moves it on',
      received: '2025-11-25T12:00:00.000Z',
      holidays: ['2025-12-25'],
      due: '2025-12-26T12:00:00.000Z',
    },
    {
      case: 'a holiday Friday before a weekend: to Monday',
      received: '2026-03-03T08:00:00.000Z',
      holidays: ['2026-04-03'],
      due: '2026-04-06T08:00:00.000Z',
    },
  ])('Reg. 1182/71 Art. 3(4): $case', ({ received, holidays, due }) => {
    expect(iso(deadlinesFor('GDPR', at(received), new Set(holidays ?? [])).dueAt)).toBe(due);
  });

  it.each([
    {
      months: 2,
      received: '2025-12-31T00:00:00.000Z',
      due: '2026-02-28T00:00:00.000Z',
      rule: 'Art. 12(3) extension by two further months',
    },
    {
      months: 3,
      received: '2023-11-30T00:00:00.000Z',
      due: '2024-02-29T00:00:00.000Z',
      rule: 'one month + two-month extension',
    },
    { months: 12, received: '2024-02-29T00:00:00.000Z', due: '2025-02-28T00:00:00.000Z', rule: 'a year from 29 Feb' },
  ])('adds $months months: $received -> $due ($rule)', ({ months, received, due }) => {
    expect(iso(addCalendarMonths(at(received), months))).toBe(due);
  });

  it('property: the due day is the receipt day, or the last day of the month when that day does not exist', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true }),
        (received) => {
          const due = addCalendarMonths(received, 1);
          const nextMonth = (received.getUTCMonth() + 1) % 12;
          const nextYear = received.getUTCFullYear() + (received.getUTCMonth() === 11 ? 1 : 0);
          const daysInNext = new Date(Date.UTC(nextYear, nextMonth + 1, 0)).getUTCDate();
          expect(due.getUTCFullYear()).toBe(nextYear);
          expect(due.getUTCMonth()).toBe(nextMonth);
          expect(due.getUTCDate()).toBe(Math.min(received.getUTCDate(), daysInNext));
          expect(due.getTime() % 86_400_000).toBe(received.getTime() % 86_400_000);
        },
      ),
    );
  });

  it('does not mutate the receipt date', () => {
    const received = at('2025-01-31T00:00:00.000Z');
    deadlinesFor('GDPR', received);
    expect(iso(received)).toBe('2025-01-31T00:00:00.000Z');
  });
});

describe('11 CCR §7021: answer within 45 calendar days of receipt', () => {
  it.each([
    { case: 'January to mid-February', received: '2025-01-01T10:00:00.000Z', due: '2025-02-15T10:00:00.000Z' },
    { case: 'across 29 Feb in a leap year', received: '2024-02-01T00:00:00.000Z', due: '2024-03-17T00:00:00.000Z' },
    { case: 'across 28 Feb in a common year', received: '2025-02-01T00:00:00.000Z', due: '2025-03-18T00:00:00.000Z' },
    { case: 'across the year end', received: '2025-12-01T15:45:00.000Z', due: '2026-01-15T15:45:00.000Z' },
    {
      case: 'calendar days, not business days (from a Saturday)',
      received: '2025-06-07T00:00:00.000Z',
      due: '2025-07-22T00:00:00.000Z',
    },
    {
      case: 'over a US DST change (UTC has none)',
      received: '2025-03-01T23:30:00.000Z',
      due: '2025-04-15T23:30:00.000Z',
    },
  ])('$case: $received -> $due', ({ received, due }) => {
    expect(iso(deadlinesFor('CCPA', at(received)).dueAt)).toBe(due);
  });

  it('is exactly 45 × 24 h after receipt, whatever the date', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2200-12-31T00:00:00Z'), noInvalidDate: true }),
        (received) => {
          expect(deadlinesFor('CCPA', received).dueAt.getTime() - received.getTime()).toBe(45 * 86_400_000);
        },
      ),
    );
  });

  it('addDays counts calendar days', () => {
    expect(iso(addDays(at('2025-02-27T12:00:00.000Z'), 2))).toBe('2025-03-01T12:00:00.000Z');
    expect(iso(addDays(at('2024-02-27T12:00:00.000Z'), 2))).toBe('2024-02-29T12:00:00.000Z');
  });
});

describe('11 CCR §7021(a): acknowledge within 10 business days', () => {
  // 2 June 2025 is a Monday; 19 June 2025 (Juneteenth) a Thursday; 25 Dec 2025 a Thursday.
  it.each([
    { case: 'from a Monday: two whole weeks', received: '2025-06-02T09:00:00.000Z', ack: '2025-06-16T09:00:00.000Z' },
    { case: 'from a Wednesday', received: '2025-06-04T09:00:00.000Z', ack: '2025-06-18T09:00:00.000Z' },
    { case: 'from a Friday', received: '2025-06-06T17:00:00.000Z', ack: '2025-06-20T17:00:00.000Z' },
    {
      case: 'from a Saturday: the weekend does not count',
      received: '2025-06-07T11:00:00.000Z',
      ack: '2025-06-20T11:00:00.000Z',
    },
    {
      case: 'from a Sunday: the weekend does not count',
      received: '2025-06-08T11:00:00.000Z',
      ack: '2025-06-20T11:00:00.000Z',
    },
    {
      case: 'over the year end, without holidays',
      received: '2025-12-22T00:00:00.000Z',
      ack: '2026-01-05T00:00:00.000Z',
    },
  ])('$case: $received -> $ack', ({ received, ack }) => {
    expect(iso(deadlinesFor('CCPA', at(received)).ackDueAt)).toBe(ack);
    // GDPR sets no separate acknowledgement: we acknowledge as fast as CCPA asks.
    expect(iso(deadlinesFor('GDPR', at(received)).ackDueAt)).toBe(ack);
  });

  it.each([
    {
      case: 'a holiday inside the window pushes the day on',
      received: '2025-06-06T00:00:00.000Z',
      holidays: ['2025-06-19'],
      ack: '2025-06-23T00:00:00.000Z',
    },
    {
      case: 'a holiday on a weekend changes nothing',
      received: '2025-06-06T00:00:00.000Z',
      holidays: ['2025-06-14'],
      ack: '2025-06-20T00:00:00.000Z',
    },
    {
      case: 'a holiday after the window changes nothing',
      received: '2025-06-06T00:00:00.000Z',
      holidays: ['2025-06-23'],
      ack: '2025-06-20T00:00:00.000Z',
    },
    {
      case: 'Christmas, Boxing Day and New Year',
      received: '2025-12-22T00:00:00.000Z',
      holidays: ['2025-12-25', '2025-12-26', '2026-01-01'],
      ack: '2026-01-08T00:00:00.000Z',
    },
  ])('$case', ({ received, holidays, ack }) => {
    expect(iso(addBusinessDays(at(received), 10, new Set(holidays)))).toBe(ack);
  });

  it('property: lands on a weekday with exactly n weekdays after receipt up to it', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('1990-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: 1, max: 30 }),
        (received, n) => {
          const due = addBusinessDays(received, n);
          expect([1, 2, 3, 4, 5]).toContain(due.getUTCDay());
          let weekdays = 0;
          for (let t = received.getTime() + 86_400_000; t <= due.getTime(); t += 86_400_000) {
            const dow = new Date(t).getUTCDay();
            if (dow !== 0 && dow !== 6) weekdays++;
          }
          expect(weekdays).toBe(n);
        },
      ),
    );
  });
});

describe('the one extension, from the due date the requester was told', () => {
  it.each([
    {
      jurisdiction: 'GDPR',
      rule: '31 Jan 2026 -> 28 Feb is a Saturday, told 2 Mar -> 2 May is a Saturday -> 4 May',
      received: '2026-01-31T10:00:00.000Z',
      due: '2026-03-02T10:00:00.000Z',
      extended: '2026-05-04T10:00:00.000Z',
    },
    {
      jurisdiction: 'GDPR',
      rule: '31 Jan 2025 -> 28 Feb (a Friday) -> 28 Apr: two further months from the clamped date',
      received: '2025-01-31T10:00:00.000Z',
      due: '2025-02-28T10:00:00.000Z',
      extended: '2025-04-28T10:00:00.000Z',
    },
    {
      jurisdiction: 'GDPR',
      rule: '15 Jan 2025 -> 15 Feb is a Saturday, told 17 Feb -> 17 Apr (never the earlier 15 Apr)',
      received: '2025-01-15T10:00:00.000Z',
      due: '2025-02-17T10:00:00.000Z',
      extended: '2025-04-17T10:00:00.000Z',
    },
    {
      jurisdiction: 'GDPR',
      rule: 'no move: 10 Mar -> 10 Apr -> 10 Jun',
      received: '2025-03-10T10:00:00.000Z',
      due: '2025-04-10T10:00:00.000Z',
      extended: '2025-06-10T10:00:00.000Z',
    },
    {
      jurisdiction: 'GDPR',
      rule: 'holidays both ends: 3 Apr 2026 a holiday, told 6 Apr -> 6 Jun a Saturday, 8 Jun a holiday -> 9 Jun',
      received: '2026-03-03T08:00:00.000Z',
      holidays: ['2026-04-03', '2026-06-08'],
      due: '2026-04-06T08:00:00.000Z',
      extended: '2026-06-09T08:00:00.000Z',
    },
    {
      jurisdiction: 'CCPA',
      rule: '11 CCR §7021(b): 45 days, then 45 further (90 in all)',
      received: '2025-01-01T10:00:00.000Z',
      due: '2025-02-15T10:00:00.000Z',
      extended: '2025-04-01T10:00:00.000Z',
    },
    {
      jurisdiction: 'CCPA',
      rule: 'calendar days: a weekend end is not moved',
      received: '2026-01-31T10:00:00.000Z',
      due: '2026-03-17T10:00:00.000Z',
      extended: '2026-05-01T10:00:00.000Z',
    },
  ] as const)('$jurisdiction: $rule', ({ jurisdiction, received, due, extended, ...rest }) => {
    const holidays = new Set<string>('holidays' in rest ? rest.holidays : []);
    const announced = deadlinesFor(jurisdiction, at(received), holidays).dueAt;
    expect(iso(announced)).toBe(due);
    expect(iso(extendedDeadline(jurisdiction, announced, holidays))).toBe(extended);
  });
});

describe('the holiday list', () => {
  it('parses a configured list, blanks and duplicates ignored', () => {
    expect([...holidaysFrom(' 2025-12-25, 2025-12-26,,2025-12-25 ')]).toEqual(['2025-12-25', '2025-12-26']);
    expect(holidaysFrom(undefined).size).toBe(0);
  });
  it.each(['2025-13-01', '25-12-2025', 'christmas'])('refuses %s without echoing it', (bad) => {
    expect(() => holidaysFrom(bad)).toThrow(/invalid configuration: holidays must be YYYY-MM-DD dates \(1 are not\)/);
  });
});
