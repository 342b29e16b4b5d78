/**
 * The request lifecycle: the only moves a request may make. A status changes only through the request
 * store's `transition`, which checks this table (`assertMove`); an illegal move is a 409 naming both states.
 */
import { ConflictError } from '#core/shared/errors.ts';
import type { RequestStatus } from './request.ts';

export const moves: Readonly<Record<RequestStatus, readonly RequestStatus[]>> = {
  // Waiting for the one-time code; the requester may give up, an operator may refuse (Art. 12(4)).
  pending_verification: ['received', 'unverified', 'cancelled', 'denied'],
  // Verified, not yet executing: still cancellable; a run that could not start (or stopped before its
  // first step took it) leaves it needing attention.
  received: ['in_progress', 'cancelled', 'denied', 'needs_attention'],
  in_progress: ['completed', 'partially_completed', 'needs_attention'],
  // A system failed: retried (back to executing), refused, or closed when the rest is done by hand.
  needs_attention: ['in_progress', 'completed', 'partially_completed', 'denied'],
  completed: [],
  partially_completed: [],
  denied: [],
  unverified: [],
  cancelled: [],
};

export function canMove(from: RequestStatus, to: RequestStatus): boolean {
  return moves[from].includes(to);
}

export function assertMove(from: RequestStatus, to: RequestStatus, action: string): void {
  if (!canMove(from, to))
    throw new ConflictError(`a request that is ${from} cannot be ${action}`, { requestStatus: from, wanted: to });
}

/** A store's guard: a patch beside the status never carries one (only `transition` changes it). */
export function keepsStatus(patch: object): void {
  if ('status' in patch) throw new Error('a request status changes only through transition');
}
