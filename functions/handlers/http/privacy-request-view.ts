/** What the API shows of a request: never the identity hashes, code or key hashes, nor corrected values. */
import type { PrivacyRequest, SystemTask } from '#core/requests/request.ts';
import type { Actor } from '#core/shared/actor.ts';

export function requestView(request: PrivacyRequest, tasks?: SystemTask[], viewer?: Actor) {
  const { identityKeys: _keys, requesterKeyHash: _key, corrections, verification, ...shown } = request;
  const { codeHash: _code, ...verificationShown } = verification;
  // An anonymous requester is not told whom its identifiers matched, or whether they matched anyone.
  const anonymous = viewer?.role === 'anonymous';
  const { ecifId: _e, subjectFound: _f, ...forAnonymous } = shown;
  return {
    ...(anonymous ? forAnonymous : shown),
    verification: verificationShown,
    ...(corrections ? { corrections: Object.keys(corrections) } : {}),
    ...(tasks
      ? {
          systems: tasks.map((t) => ({
            systemId: t.systemId,
            action: t.action,
            state: t.state,
            attempts: t.attempts,
            exemptions: t.exemptions,
            ...(t.lastError ? { lastError: t.lastError } : {}),
            ...(t.proof ? { proof: t.proof } : {}),
            // What it waits for and until when; never the task token (it would let anyone answer the step).
            ...(t.state === 'waiting' && t.waiting
              ? { waiting: { for: t.waiting.for, since: t.waiting.since, until: t.waiting.until } }
              : {}),
          })),
        }
      : {}),
  };
}
