/**
 * A connected system's limits (`concurrency`, `rateLimitPerSecond`) as one bound over every
 * Custodian instance: each call holds one of the system's N call slots under a lease, and books its
 * start on the system's start register. A slot is taken only if free or its lease ran out, so a
 * crashed holder's slot comes back by itself; giving back is conditional on the holder's lease id,
 * so a second give-back (or one after a takeover) changes nothing. A call that waited its time for a
 * slot gives up with a SystemBusyError, which the workflow retries for longer. The store is a port
 * (adapters/dynamodb/call-slots.ts); the waiting, the backoff and giving up are decided here.
 */
import { SystemBusyError, TransientSystemError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import type { ConnectedSystem } from './system.ts';

export type LimitedSystem = Pick<ConnectedSystem, 'systemId' | 'concurrency' | 'rateLimitPerSecond' | 'connector'>;

/** Runs one call to a system inside the system's limits. */
export interface CallGate {
  run<T>(system: LimitedSystem, call: () => Promise<T>): Promise<T>;
  /** Starts no call to the system before `until` (epoch ms): it answered 429 with a Retry-After. */
  holdStarts?(system: LimitedSystem, until: number): Promise<void>;
}

/** One slot held: which, under which lease id, until when (epoch ms). */
export interface SlotLease {
  systemId: string;
  slot: number;
  leaseId: string;
  until: number;
}

/** Where the slots and the start register live; every write is conditional. */
export interface CallSlotStore {
  /** Takes the slot if it is free, its lease ran out before `now`, or this lease already holds it (a retried take). */
  take(lease: SlotLease, now: number): Promise<boolean>;
  /** Moves the lease's end to `lease.until` if the lease still holds the slot; false once it was lost. */
  renew(lease: SlotLease): Promise<boolean>;
  /** Frees the slot if this lease still holds it; otherwise nothing (given back already, or taken over). */
  giveBack(lease: SlotLease): Promise<void>;
  /**
   * Books the system's next call start: `now` when the last booked start is past, else `gapMs` after
   * it. Undefined, booking nothing, when that start would be later than `latest`.
   */
  bookStart(systemId: string, gapMs: number, now: number, latest: number): Promise<number | undefined>;
  /** Moves the system's next call start to `until`, unless it is later already. */
  holdStarts(systemId: string, until: number): Promise<void>;
}

export interface SharedGateOptions {
  /** How long a call waits for a slot and its start before giving up with a SystemBusyError. @default 20 000 */
  maxWaitMs?: number;
  /** Added to the call's own timeout to make its lease. @default 5 000 */
  leaseMarginMs?: number;
  /** Backoff between rounds over the slots: full jitter, from this, doubling. @default 50 */
  backoffBaseMs?: number;
  /** @default 1 000 */
  backoffCapMs?: number;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Kinds without a timeout of their own: the lease is renewed while they run, so this only bounds a crashed holder. */
const UNTIMED_CALL_MS = 30_000;

/** How long one call may hold a slot before its lease must be renewed: the call's timeout plus a margin. */
export function leaseMsOf(system: Pick<ConnectedSystem, 'connector'>, marginMs: number): number {
  return (system.connector.kind === 'http' ? system.connector.timeoutMs : UNTIMED_CALL_MS) + marginMs;
}

export class SharedCallGate implements CallGate {
  private readonly maxWaitMs: number;
  private readonly leaseMarginMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffCapMs: number;
  private readonly now: () => number;
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;

  constructor(
    private readonly store: CallSlotStore,
    options: SharedGateOptions = {},
  ) {
    this.maxWaitMs = options.maxWaitMs ?? 20_000;
    this.leaseMarginMs = options.leaseMarginMs ?? 5_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 50;
    this.backoffCapMs = options.backoffCapMs ?? 1_000;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.random = options.random ?? Math.random;
  }

  async run<T>(system: LimitedSystem, call: () => Promise<T>): Promise<T> {
    const deadline = this.now() + this.maxWaitMs;
    const leaseMs = leaseMsOf(system, this.leaseMarginMs);
    const lease = await this.takeSlot(system, leaseMs, deadline);
    // Renewed while the call runs: a slow call keeps its slot, a crashed one loses it within leaseMs.
    const renewal = setInterval(() => {
      lease.until = this.now() + leaseMs;
      this.store.renew({ ...lease }).catch(() => undefined);
    }, leaseMs / 3);
    renewal.unref?.();
    try {
      // A rest system books its start even without a rate: a vendor's 429 may have held its starts.
      if (system.rateLimitPerSecond || system.connector.kind === 'rest')
        await this.waitForStart(
          system.systemId,
          system.rateLimitPerSecond ? 1000 / system.rateLimitPerSecond : 0,
          deadline,
        );
      return await call();
    } finally {
      clearInterval(renewal);
      // A give-back that fails leaves the slot to its lease, which runs out by itself.
      await this.store.giveBack(lease).catch(() => undefined);
    }
  }

  async holdStarts(system: LimitedSystem, until: number): Promise<void> {
    await this.store.holdStarts(system.systemId, until);
  }

  private async takeSlot(system: LimitedSystem, leaseMs: number, deadline: number): Promise<SlotLease> {
    const leaseId = newId();
    for (let round = 0; ; round++) {
      // A random order: instances do not all race for slot 0.
      for (const slot of shuffled(system.concurrency, this.random)) {
        const lease: SlotLease = { systemId: system.systemId, slot, leaseId, until: this.now() + leaseMs };
        let taken: boolean;
        try {
          taken = await this.store.take(lease, this.now());
        } catch (err) {
          // The take may have landed before the failure: give it back rather than hold it to its end.
          await this.store.giveBack(lease).catch(() => undefined);
          throw unavailable(err);
        }
        if (taken) return lease;
      }
      const left = deadline - this.now();
      if (left <= 0)
        throw new SystemBusyError(
          `all ${system.concurrency} call slots of this system stayed taken for ${Math.round(this.maxWaitMs / 1000)} s`,
        );
      await this.sleep(Math.min(left, this.random() * Math.min(this.backoffCapMs, this.backoffBaseMs * 2 ** round)));
    }
  }

  private async waitForStart(systemId: string, gapMs: number, deadline: number): Promise<void> {
    let at: number | undefined;
    try {
      at = await this.store.bookStart(systemId, gapMs, this.now(), deadline);
    } catch (err) {
      throw unavailable(err);
    }
    if (at === undefined)
      throw new SystemBusyError(
        `this system's rate limit has no start free within ${Math.round(this.maxWaitMs / 1000)} s`,
      );
    const wait = at - this.now();
    if (wait > 0) await this.sleep(wait);
  }
}

/** The store's own fault: the step is retried like a system's (names only, no values). */
function unavailable(err: unknown): TransientSystemError {
  return new TransientSystemError(`call slots unavailable (${(err as Error)?.name ?? 'Error'})`);
}

/** 0..n-1 in a random order (Fisher-Yates). */
function shuffled(n: number, random: () => number): number[] {
  const out = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}
