/** What the API shows of a request: never the identity hashes it was resolved by. */
import type { PrivacyRequest, SystemTask } from '#core/requests/request.ts';

export function requestView(request: PrivacyRequest, tasks?: SystemTask[]) {
  const { identityKeys: _keys, ...shown } = request;
  return {
    ...shown,
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
          })),
        }
      : {}),
  };
}
