/**
 * Consent as it stood at an instant, rebuilt from the ledger alone: per purpose and channel, the
 * latest choice captured at or before that instant, and per flag its latest event (ledger order:
 * capture time, then event id, the same order that moves the projection). An auditor's question "was
 * this customer contactable for marketing by email on 2026-03-01, and on what evidence?" is this
 * function, `decide` over what it returns, and the events it names.
 */
import {
  isFlagEvent,
  noFlags,
  type ConsentEvent,
  type ConsentFlags,
  type CurrentConsent,
  type FlagEvent,
  type LedgerEvent,
} from './consent.ts';

export const ledgerOrder = (a: LedgerEvent, b: LedgerEvent) =>
  a.capturedAt.localeCompare(b.capturedAt) || a.eventId.localeCompare(b.eventId);

export interface Replayed {
  states: CurrentConsent[];
  flags: ConsentFlags;
  /** The event each flag's value rests on (absent: never set). */
  flagEvents: Partial<Record<keyof ConsentFlags, FlagEvent>>;
}

export function replay(events: LedgerEvent[], asOf?: string): Replayed {
  const latest = new Map<string, ConsentEvent>();
  const flagEvents: Replayed['flagEvents'] = {};
  for (const e of [...events].sort(ledgerOrder)) {
    if (asOf && e.capturedAt > asOf) break;
    if (isFlagEvent(e)) flagEvents[e.flag] = e;
    else latest.set(`${e.purpose}#${e.channel}`, e);
  }
  const flags: ConsentFlags = { ...noFlags };
  for (const [flag, e] of Object.entries(flagEvents) as [keyof ConsentFlags, FlagEvent][]) flags[flag] = e.value;
  const states = [...latest.entries()]
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
  return { states, flags, flagEvents };
}
