/**
 * `consent.changed`: what goes out when a subject's consent or flags change, for the systems that act
 * on consent (marketing platforms, the CRM). Ids and choices only: never a name, email or phone.
 * EventBridge in AWS; locally, signed webhooks to the subscribers.
 */
import type { Channel, Purpose } from './catalog.ts';
import type { ConsentFlags } from './consent.ts';

export interface ConsentChanged {
  type: 'consent.changed';
  ecifId: string;
  at: string;
  /** The capture's receipt, when a capture made the change. */
  receiptId?: string;
  choices: { purpose: Purpose; channel: Channel; state: string }[];
  /** Flags set by the change (opt-outs, objection, restriction, erasure). */
  flags?: Partial<ConsentFlags>;
}

export interface ConsentChangePublisher {
  publish(change: ConsentChanged): Promise<void>;
}

/** A choice that is an explicit opt-out of sale or sharing (11 CCR §7026): withdrawing or refusing either. */
export const isOptOutChoice = (c: { purpose: Purpose; state: string }) =>
  (c.purpose === 'sale' || c.purpose === 'third_party_sharing') && (c.state === 'withdrawn' || c.state === 'denied');
