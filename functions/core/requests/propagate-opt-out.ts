/**
 * An opt-out given through consent (a Global Privacy Control signal, a withdrawal of sale or sharing)
 * must reach the systems that sell or share, as a request would: it is recorded as an
 * `opt_out_sale_sharing` request for the subject (no verification, 11 CCR §7026), and the workflow
 * pushes it to every system that takes opt-outs, retried until they acknowledge it.
 */
import type { Actor } from '#core/shared/actor.ts';
import { newId } from '#core/shared/ids.ts';
import { receivedRequest, recordReceived } from './received.ts';
import type { PrivacyRequest } from './request.ts';
import { startRun } from './run-failures.ts';
import type { RequestDeps } from './submit-request.ts';

export async function propagateOptOut(
  deps: Pick<RequestDeps, 'requests' | 'workflow' | 'audit' | 'clock' | 'holidays'>,
  ecifId: string,
  actor: Actor,
  source: 'gpc' | 'consent',
): Promise<PrivacyRequest> {
  const received = deps.clock.now();
  const id = newId(received);
  // One open opt-out per subject: a second withdrawal while the first is still being pushed adds nothing.
  const holder = await deps.requests.claimOpen(ecifId, 'opt_out_sale_sharing', id);
  const open = holder !== id ? await deps.requests.get(holder) : undefined;
  if (open) return open;
  const request = receivedRequest(
    {
      id,
      type: 'opt_out_sale_sharing',
      jurisdiction: 'CCPA',
      channel: source === 'gpc' ? 'web' : 'api',
      status: 'received',
      identityKeys: [],
      ecifId,
      verification: { state: 'verified', method: 'not_required' },
    },
    received,
    deps.holidays,
  );
  await deps.requests.create(request);
  await recordReceived(deps, request, actor, { source });
  if (!(await startRun(deps, request.id))) return (await deps.requests.get(request.id))!;
  return request;
}
