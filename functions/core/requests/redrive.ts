/**
 * Re-drives requests left unfinished (the local runtime loses executions in flight when it stops;
 * in AWS an operator runs it after an incident). Safe to run any time: every step is idempotent
 * and starting the workflow twice for one request is a no-op.
 */
import { startRun } from './run-failures.ts';
import type { RequestDeps } from './submit-request.ts';

export async function redriveUnfinished(
  deps: Pick<RequestDeps, 'requests' | 'workflow' | 'audit' | 'clock'>,
): Promise<string[]> {
  const ids = [...(await deps.requests.idsByStatus('received')), ...(await deps.requests.idsByStatus('in_progress'))];
  // Each under the run it is in (an operator's retry names one), so the run's end still speaks for it.
  for (const id of ids) await startRun(deps, id, (await deps.requests.get(id))?.run);
  return ids;
}
