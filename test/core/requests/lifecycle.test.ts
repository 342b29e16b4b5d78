/** The request lifecycle: only the listed moves; everything else is a 409 naming both states. */
import { describe, expect, it } from 'vitest';
import { assertMove, canMove, moves } from '#core/requests/lifecycle.ts';
import { requestStatuses, terminalStatuses, type RequestStatus } from '#core/requests/request.ts';
import { workingStatuses } from '#core/requests/run-failures.ts';
import { ConflictError } from '#core/shared/errors.ts';

const legal: [RequestStatus, RequestStatus][] = [
  ['pending_verification', 'received'],
  ['pending_verification', 'unverified'],
  ['pending_verification', 'cancelled'],
  ['pending_verification', 'denied'],
  ['received', 'in_progress'],
  ['received', 'cancelled'],
  ['received', 'denied'],
  // A run that could not start, or stopped before its first step took the request.
  ['received', 'needs_attention'],
  ['in_progress', 'completed'],
  ['in_progress', 'partially_completed'],
  ['in_progress', 'needs_attention'],
  ['needs_attention', 'in_progress'],
  ['needs_attention', 'completed'],
  ['needs_attention', 'partially_completed'],
  ['needs_attention', 'denied'],
];

describe('request lifecycle', () => {
  const all = requestStatuses.flatMap((from) => requestStatuses.map((to) => [from, to] as const));
  it.each(all)('%s -> %s', (from, to) => {
    const allowed = legal.some(([f, t]) => f === from && t === to);
    expect(canMove(from, to)).toBe(allowed);
    if (allowed) expect(() => assertMove(from, to, 'moved')).not.toThrow();
    else expect(() => assertMove(from, to, 'moved')).toThrow(ConflictError);
  });

  it('a closed request never moves again', () => {
    for (const s of terminalStatuses) expect(moves[s]).toEqual([]);
  });

  it('every working status can be left for needs_attention when its run ends badly; the operator then retries or denies', () => {
    for (const s of workingStatuses) expect(canMove(s, 'needs_attention'), s).toBe(true);
    expect(canMove('needs_attention', 'in_progress')).toBe(true);
    expect(canMove('needs_attention', 'denied')).toBe(true);
  });

  it('cannot cancel once executing (the requester withdraws only before)', () => {
    expect(() => assertMove('in_progress', 'cancelled', 'cancelled')).toThrow(
      /a request that is in_progress cannot be cancelled/,
    );
  });
});
