/**
 * May we contact this subject for this purpose on this channel now? One table-driven function:
 * flags first (they override any purpose-level grant), then the most specific recorded choice (the
 * channel's, else the purpose's `any`), its expiry and its notice version, then the purpose's model in
 * the jurisdiction when nothing is recorded (opt-in denies, opt-out allows until the person opts out).
 */
import { outdatedBy, purposeCatalog, type Channel, type Purpose } from './catalog.ts';
import type { ConsentFlags, CurrentConsent } from './consent.ts';

/** The closed list of reasons (docs/campaign-check.md documents each). */
export const decisionReasons = [
  'granted',
  'not_opted_out',
  'no_consent',
  'denied',
  'withdrawn',
  'expired',
  'notice_version_outdated',
  'erased',
  'restricted',
  'objected',
  'opted_out_sale',
  'opted_out_sharing',
  'limited_sensitive_use',
  'unknown_subject',
] as const;
export type DecisionReason = (typeof decisionReasons)[number];

export interface Decision {
  decision: 'allow' | 'deny';
  reason: DecisionReason;
  evidence?: { eventId: string; capturedAt: string; notice: CurrentConsent['notice']; channel: Channel };
}

type Rule = (ctx: { purpose: Purpose; flags: ConsentFlags }) => DecisionReason | undefined;

/** Flags, in order: the first that applies decides. */
const flagRules: Rule[] = [
  ({ flags }) => (flags.erased ? 'erased' : undefined),
  ({ flags }) => (flags.restricted ? 'restricted' : undefined),
  ({ purpose, flags }) =>
    flags.objectedDirectMarketing && purposeCatalog[purpose].directMarketing ? 'objected' : undefined,
  // One right in the regulations: an opt-out of sale or of sharing stops both (11 CCR §7026).
  ({ purpose, flags }) =>
    (flags.optOutSale || flags.optOutSharing) && purposeCatalog[purpose].optOut
      ? purposeCatalog[purpose].optOut === 'sale'
        ? 'opted_out_sale'
        : 'opted_out_sharing'
      : undefined,
  ({ purpose, flags }) =>
    flags.limitSensitive && purposeCatalog[purpose].sensitive ? 'limited_sensitive_use' : undefined,
];

export function decide(
  purpose: Purpose,
  channel: Channel,
  states: CurrentConsent[],
  flags: ConsentFlags,
  now: Date,
  jurisdiction: 'GDPR' | 'CCPA' = 'GDPR',
): Decision {
  for (const rule of flagRules) {
    const reason = rule({ purpose, flags });
    if (reason) return deny(reason);
  }
  const current =
    states.find((s) => s.purpose === purpose && s.channel === channel) ??
    states.find((s) => s.purpose === purpose && s.channel === 'any');
  if (!current)
    return purposeCatalog[purpose].model[jurisdiction] === 'opt_out'
      ? { decision: 'allow', reason: 'not_opted_out' }
      : deny('no_consent');
  const evidence = {
    eventId: current.eventId,
    capturedAt: current.capturedAt,
    notice: current.notice,
    channel: current.channel,
  };
  if (current.state === 'withdrawn') return { decision: 'deny', reason: 'withdrawn', evidence };
  if (current.state === 'denied') return { decision: 'deny', reason: 'denied', evidence };
  if (current.expiresAt && new Date(current.expiresAt) <= now) return { decision: 'deny', reason: 'expired', evidence };
  if (purposeCatalog[purpose].reconsentOnMaterialChange && outdatedBy(current.notice.id, current.notice.version)) {
    return { decision: 'deny', reason: 'notice_version_outdated', evidence };
  }
  return { decision: 'allow', reason: 'granted', evidence };
}

const deny = (reason: DecisionReason): Decision => ({ decision: 'deny', reason });
