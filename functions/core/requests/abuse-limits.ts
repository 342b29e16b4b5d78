/**
 * Per-requester abuse limits on what anyone may call without an account: submitting requests and
 * trying verification codes. Counted per source address, in fixed windows, under a keyed hash of the
 * address (never the address itself). The 5 tries per request stand on their own; these stop one
 * requester from walking many requests or flooding the outbox.
 */
import { createHmac } from 'node:crypto';
import { TooManyRequestsError } from '#core/shared/errors.ts';

export interface RateLimiter {
  /** Counts one hit of `key` in the current window; the count after it and the window's end. */
  hit(key: string, windowSeconds: number, now: Date): Promise<{ count: number; resetsAt: Date }>;
}

export interface AbuseLimits {
  /** Anonymous submissions per source address per hour. */
  submissionsPerHour: number;
  /** Verification tries per source address per hour, over all requests. */
  verificationsPerHour: number;
}

export async function enforceLimit(
  deps: { limiter: RateLimiter; requestKey: string; clock: { now(): Date } },
  what: 'submission' | 'verification',
  sourceIp: string,
  perHour: number,
): Promise<void> {
  const now = deps.clock.now();
  const key = `${what}#${createHmac('sha256', deps.requestKey).update(`custodian/abuse/${sourceIp}`).digest('hex').slice(0, 32)}`;
  const { count, resetsAt } = await deps.limiter.hit(key, 3600, now);
  if (count > perHour) {
    throw new TooManyRequestsError(`too many ${what}s from this address: try again later`, {
      retryAfter: Math.max(1, Math.ceil((resetsAt.getTime() - now.getTime()) / 1000)),
    });
  }
}
