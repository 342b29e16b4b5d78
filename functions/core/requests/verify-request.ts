/**
 * The requester types the code. Right: the request is verified and runs (or, when the subject already
 * has an open request of that type, is closed pointing at it). Wrong: one try used; the fifth wrong try,
 * or a code past its 15 minutes, ends the request as `unverified`. Answers never say whether anyone matched.
 */
import { ConflictError, NotFoundError, VerificationFailedError } from '#core/shared/errors.ts';
import type { Actor } from '#core/shared/actor.ts';
import { acknowledge, type RequestDeps } from './submit-request.ts';
import type { PrivacyRequest } from './request.ts';
import { startRun } from './run-failures.ts';
import { codeMatches, maxAttempts } from './verification.ts';

export async function verifyRequest(
  deps: RequestDeps,
  requestId: string,
  code: string,
  actor: Actor,
): Promise<PrivacyRequest> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new NotFoundError('no such request');
  const v = request.verification;
  if (request.status !== 'pending_verification' || v.method !== 'code' || !v.codeHash) {
    throw new ConflictError('this request is not waiting for a code', { requestStatus: request.status });
  }
  const now = deps.clock.now();
  if (now.toISOString() > v.codeExpiresAt!) {
    await endUnverified(deps, request, 'code_expired', actor);
    throw new ConflictError('the code has expired: the request could not be verified; you may submit it again', {
      requestStatus: 'unverified',
    });
  }
  // Each try is counted before the code is compared, conditionally on the count read: parallel guesses
  // cannot share one try (the loser of a race gets a 409 and no comparison).
  const attempts = (v.attempts ?? 0) + 1;
  await deps.requests.countAttempt(request.id, v.attempts ?? 0);
  if (!codeMatches(deps.requestKey, request.id, code, v.codeHash)) {
    if (attempts >= maxAttempts) {
      await endUnverified(deps, { ...request, verification: { ...v, attempts } }, 'too_many_attempts', actor);
      throw new ConflictError('too many wrong codes: the request could not be verified; you may submit it again', {
        requestStatus: 'unverified',
      });
    }
    await deps.audit.append({
      stream: `request:${request.id}`,
      actor,
      action: 'request.verification_failed',
      target: { requestId: request.id },
      details: { attempt: attempts, left: maxAttempts - attempts },
    });
    throw new VerificationFailedError('that is not the code we sent', { attemptsLeft: maxAttempts - attempts });
  }

  const at = now.toISOString();
  const verification = { state: 'verified' as const, method: 'code' as const, verifiedAt: at, attempts };
  const holder = await deps.requests.claimOpen(request.ecifId!, request.type, request.id);
  if (holder !== request.id) {
    await deps.requests.transition(request.id, 'pending_verification', 'cancelled', {
      verification,
      duplicateOf: holder,
      outcome: { result: 'duplicate', reasons: [`an open request of this type is already being handled: ${holder}`] },
      completedAt: at,
      updatedAt: at,
    });
    await record(deps, request, actor, 'request.duplicate', { openRequest: holder });
    return (await deps.requests.get(request.id))!;
  }
  await deps.requests.transition(request.id, 'pending_verification', 'received', { verification, updatedAt: at });
  await record(deps, request, actor, 'request.verified', { method: 'code' });
  const verified = (await deps.requests.get(request.id))!;
  await acknowledge(deps, verified);
  if (!(await startRun(deps, request.id))) return (await deps.requests.get(request.id))!;
  return verified;
}

export async function endUnverified(
  deps: RequestDeps,
  request: PrivacyRequest,
  failure: 'too_many_attempts' | 'code_expired',
  actor: Actor,
) {
  const at = deps.clock.now().toISOString();
  await deps.requests.transition(request.id, 'pending_verification', 'unverified', {
    verification: { ...request.verification, state: 'failed', failure, attempts: request.verification.attempts ?? 0 },
    outcome: {
      result: 'unverified',
      reasons: [failure === 'code_expired' ? 'the code was not entered in time' : 'too many wrong codes'],
    },
    completedAt: at,
    updatedAt: at,
  });
  await record(deps, request, actor, 'request.unverified', { failure });
}

function record(
  deps: RequestDeps,
  request: PrivacyRequest,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
) {
  return deps.audit.append({
    stream: `request:${request.id}`,
    actor,
    action,
    target: { requestId: request.id },
    details,
  });
}
