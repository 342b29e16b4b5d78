/**
 * Consent as it stood at an instant, rebuilt from the ledger alone: per purpose and channel, the
 * latest event captured at or before that instant (ledger order: capture time, then event id, the
 * same order that moves the projection). An auditor's question "was this customer contactable for
 * marketing by email on 2026-03-01, and on what evidence?" is this function plus the event it names.
 */
import type { ConsentEvent, CurrentConsent } from './consent.ts';

export const ledgerOrder = (a: ConsentEvent, b: ConsentEvent) =>
  a.capturedAt.localeCompare(b.capturedAt) || a.eventId.localeCompare(b.eventId);

export function replay(events: ConsentEvent[], asOf?: string): CurrentConsent[] {
  const latest = new Map<string, ConsentEvent>();
  for (const e of [...events].sort(ledgerOrder)) {
    if (asOf && e.capturedAt > asOf) break;
    latest.set(`${e.purpose}#${e.channel}`, e);
  }
  return [...latest.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, e]) => ({
      purpose: e.purpose,
      channel: e.channel,
      state: e.state,
      eventId: e.eventId,
      capturedAt: e.capturedAt,
      notice: e.notice,
      ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
    }));
}
