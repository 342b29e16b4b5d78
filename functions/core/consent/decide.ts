/**
 * May we contact this subject for this purpose on this channel now? Flags come first (they override
 * any purpose-level grant), then the most specific consent: the channel's, else the purpose's `any`.
 */
import { directMarketing, saleOrSharing, type Channel, type Purpose } from './catalog.ts';
import type { ConsentFlags, CurrentConsent } from './consent.ts';

export type DecisionReason =
  | 'granted'
  | 'no_consent'
  | 'denied'
  | 'withdrawn'
  | 'expired'
  | 'erased'
  | 'restricted'
  | 'objection_to_direct_marketing'
  | 'opted_out_of_sale_or_sharing'
  | 'limited_sensitive_use'
  | 'unknown_subject';

export interface Decision {
  decision: 'allow' | 'deny';
  reason: DecisionReason;
  evidence?: { eventId: string; capturedAt: string; notice: CurrentConsent['notice']; channel: Channel };
}

export function decide(purpose: Purpose, channel: Channel, states: CurrentConsent[], flags: ConsentFlags, now: Date): Decision {
  if (flags.erased) return deny('erased');
  if (flags.restricted) return deny('restricted');
  if (flags.objectedDirectMarketing && directMarketing.has(purpose)) return deny('objection_to_direct_marketing');
  if ((flags.optOutSale || flags.optOutSharing) && saleOrSharing.has(purpose)) return deny('opted_out_of_sale_or_sharing');
  if (flags.limitSensitive && purpose === 'sensitive_data_use') return deny('limited_sensitive_use');

  const current =
    states.find((s) => s.purpose === purpose && s.channel === channel) ?? states.find((s) => s.purpose === purpose && s.channel === 'any');
  if (!current) return deny('no_consent');
  const evidence = { eventId: current.eventId, capturedAt: current.capturedAt, notice: current.notice, channel: current.channel };
  if (current.state === 'withdrawn') return { decision: 'deny', reason: 'withdrawn', evidence };
  if (current.state === 'denied') return { decision: 'deny', reason: 'denied', evidence };
  if (current.expiresAt && new Date(current.expiresAt) <= now) return { decision: 'deny', reason: 'expired', evidence };
  return { decision: 'allow', reason: 'granted', evidence };
}

const deny = (reason: DecisionReason): Decision => ({ decision: 'deny', reason });
