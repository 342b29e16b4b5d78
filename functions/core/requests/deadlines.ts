/**
 * Statutory deadlines. GDPR Art. 12(3): one month from receipt (a month from 31 January ends on the
 * last day of February). CCPA 11 CCR §7021: acknowledge within 10 business days, answer within 45
 * calendar days of receipt. Holidays come with the requests issue; weekends are skipped here.
 */
import type { Jurisdiction } from './request.ts';

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

export function addBusinessDays(from: Date, days: number, holidays: ReadonlySet<string> = new Set()): Date {
  let d = new Date(from);
  let left = days;
  while (left > 0) {
    d = addDays(d, 1);
    const dow = d.getUTCDay();
    if (dow !== 0 && dow !== 6 && !holidays.has(d.toISOString().slice(0, 10))) left--;
  }
  return d;
}

export function deadlinesFor(jurisdiction: Jurisdiction, receivedAt: Date): { ackDueAt: Date; dueAt: Date } {
  if (jurisdiction === 'GDPR') {
    // GDPR sets no separate acknowledgement; we acknowledge as fast as CCPA asks.
    return { ackDueAt: addBusinessDays(receivedAt, 10), dueAt: addCalendarMonths(receivedAt, 1) };
  }
  return { ackDueAt: addBusinessDays(receivedAt, 10), dueAt: addDays(receivedAt, 45) };
}
