/**
 * A survivor's consent after a golden-record merge, from the ledgers of the survivor and of every
 * record merged into it, none rewritten: per purpose and channel the most recent choice across them,
 * and each flag (opt-outs, objection, restriction, limit-sensitive, erased) set if set on any of them,
 * the most protective answer. A split needs no undo: each subject reads its own ledger again.
 */
import { flagNames, noFlags, type ConsentFlags, type CurrentConsent } from './consent.ts';

export interface HeldConsent {
  states: CurrentConsent[];
  flags: ConsentFlags;
}

const later = (a: CurrentConsent, b: CurrentConsent) =>
  a.capturedAt !== b.capturedAt ? a.capturedAt > b.capturedAt : a.eventId > b.eventId;

export function mergedConsent(held: HeldConsent[]): HeldConsent {
  if (held.length === 1) return held[0];
  const states = new Map<string, CurrentConsent>();
  for (const s of held.flatMap((h) => h.states)) {
    const key = `${s.purpose}#${s.channel}`;
    const seen = states.get(key);
    if (!seen || later(s, seen)) states.set(key, s);
  }
  const flags = { ...noFlags };
  for (const name of flagNames) flags[name] = held.some((h) => h.flags[name]);
  return { states: [...states.values()], flags };
}
