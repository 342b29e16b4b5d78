import type { Channel, Purpose } from './catalog.ts';
import type { ConsentEvent, ConsentFlags, CurrentConsent, FlagCause, LedgerEvent } from './consent.ts';

export interface ConsentLedger {
  /** Appends the events and moves the projection, each event with its projection in one transaction. */
  append(events: ConsentEvent[]): Promise<void>;
  /** Current states and flags in one round trip. */
  current(ecifId: string): Promise<{ states: CurrentConsent[]; flags: ConsentFlags }>;
  /**
   * A campaign's reads: for each subject, only what a decision on one purpose and channel needs (that
   * channel's state, the purpose's `any`, the flags), many subjects per round trip.
   */
  currentFor(
    ecifIds: string[],
    purpose: Purpose,
    channel: Channel,
  ): Promise<Map<string, { states: CurrentConsent[]; flags: ConsentFlags }>>;
  /**
   * Sets or clears flags: one ledger event per flag (core/consent/consent.ts, flagEvents), each with
   * its flag's projection in one transaction; only a later event moves a flag's projection.
   */
  setFlags(ecifId: string, patch: Partial<ConsentFlags>, at: string, cause: FlagCause): Promise<void>;
  /** The ledger (choices and flags) in capture order, up to `until` (inclusive) when given, one page at a time. */
  history(
    ecifId: string,
    page: { until?: string; cursor?: string; limit: number },
  ): Promise<{ items: LedgerEvent[]; next?: string }>;
  /** Keeps a capture's receipt (written once; a second put of the same id changes nothing). */
  putReceipt(receiptId: string, ecifId: string, receipt: object): Promise<void>;
  receipt(receiptId: string): Promise<{ ecifId: string; receipt: object } | undefined>;
}
