/**
 * EventBridge "Step Functions Execution Status Change" (FAILED, TIMED_OUT, ABORTED) of the privacy-request
 * workflow: the request is reconciled (core/requests/run-failures.ts). Locally the Step Functions runtime
 * hands it the same event when an execution ends badly.
 */
import type { EventBridgeEvent } from 'aws-lambda';
import { reconcileExecution, type ExecutionStatusChange } from '#core/requests/run-failures.ts';
import { deps } from '../deps.ts';
import { logger } from '../middleware/logging.ts';

export async function handler(
  event: EventBridgeEvent<'Step Functions Execution Status Change', ExecutionStatusChange>,
) {
  const result = await reconcileExecution(await deps(), event.detail);
  // The status and whether it changed a request: never the input (it names the request, no more, but stays out).
  logger.info({ message: 'execution ended', status: event.detail.status, recorded: result.recorded });
  return result;
}
