/**
 * Re-drives requests left unfinished (the local runtime loses executions in flight when it stops;
 * in AWS an operator runs it after an incident). Safe to run any time: every step is idempotent
 * and starting the workflow twice for one request is a no-op.
 */
import type { RequestStore, RequestWorkflow } from './ports.ts';

export async function redriveUnfinished(deps: {
  requests: RequestStore;
  workflow: RequestWorkflow;
}): Promise<string[]> {
  const ids = [...(await deps.requests.idsByStatus('received')), ...(await deps.requests.idsByStatus('in_progress'))];
  for (const id of ids) await deps.workflow.start(id);
  return ids;
}
