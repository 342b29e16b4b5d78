/**
 * Statutory deadlines, one calendar for every request.
 *
 * GDPR Art. 12(3): answer within one month of receipt (a month from 31 January ends on the last day of
 * February, Reg. (EEC, Euratom) 1182/71 Art. 3(2)(c)); a period whose last day is a Saturday, Sunday or
 * public holiday ends on the next working day (Art. 3(4)). Extendable once by two further months, told
 * within the first month. GDPR sets no acknowledgement: we acknowledge as fast as CCPA asks.
 * CCPA 11 CCR §7021: acknowledge within 10 business days, answer within 45 calendar days of receipt
 * (whatever verification takes), extendable once by 45 days with notice inside the first 45.
 * The time of day of receipt is kept (earlier than the end of the day: never later than the law).
 */
import { ConfigurationError } from '#core/shared/errors.ts';
import type { Jurisdiction } from './request.ts';

/** Public holidays, as `YYYY-MM-DD` (UTC days). */
export type Holidays = ReadonlySet<string>;
const noHolidays: Holidays = new Set();

/** Parses a configured holiday list: `2026-12-25,2026-12-26` (blanks and duplicates ignored). */
export function holidaysFrom(list: string | undefined): Holidays {
  const days = (list ?? '').split(/[\s,]+/).filter(Boolean);
  const bad = days.filter((d) => !/^\d{4}-\d{2}-\d{2}$/.test(d) || Number.isNaN(Date.parse(`${d}T00:00:00Z`)));
  if (bad.length) throw new ConfigurationError(`holidays must be YYYY-MM-DD dates (${bad.length} are not)`);
  return new Set(days);
}

export function addCalendarMonths(from: Date, months: number): Date {
  const d = new Date(from);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, lastDay));
  return d;
}

export function addDays(from: Date, days: number): Date {
  return new Date(from.getTime() + days * 86_400_000);
}

export function isWorkingDay(d: Date, holidays: Holidays = noHolidays): boolean {
  const dow = d.getUTCDay();
  return dow !== 0 && dow !== 6 && !holidays.has(d.toISOString().slice(0, 10));
}

export function addBusinessDays(from: Date, days: number, holidays: Holidays = noHolidays): Date {
  let d = new Date(from);
  let left = days;
  while (left > 0) {
    d = addDays(d, 1);
    if (isWorkingDay(d, holidays)) left--;
  }
  return d;
}

/** Reg. 1182/71 Art. 3(4): a period ending on a weekend or holiday ends on the next working day. */
export function onWorkingDay(d: Date, holidays: Holidays = noHolidays): Date {
  let out = new Date(d);
  while (!isWorkingDay(out, holidays)) out = addDays(out, 1);
  return out;
}

export interface Deadlines {
  ackDueAt: Date;
  dueAt: Date;
}

export function deadlinesFor(jurisdiction: Jurisdiction, receivedAt: Date, holidays: Holidays = noHolidays): Deadlines {
  const ackDueAt = addBusinessDays(receivedAt, 10, holidays);
  if (jurisdiction === 'GDPR') return { ackDueAt, dueAt: onWorkingDay(addCalendarMonths(receivedAt, 1), holidays) };
  return { ackDueAt, dueAt: addDays(receivedAt, 45) };
}

/**
 * The one extension the law allows, counted from the due date the requester was told (after its weekend
 * or holiday move): GDPR two further months, then off a weekend or holiday again; CCPA 45 further days
 * (90 in all, its due date is never moved).
 */
export function extendedDeadline(
  jurisdiction: Jurisdiction,
  announcedDueAt: Date,
  holidays: Holidays = noHolidays,
): Date {
  if (jurisdiction === 'GDPR') return onWorkingDay(addCalendarMonths(announcedDueAt, 2), holidays);
  return addDays(announcedDueAt, 45);
}
