/** Workflow task RecordSystemFailure: see recordSystemFailureStep in the core; a step not answered in time is counted for its alarm. */
import { recordSystemFailureStep } from '#core/requests/workflow.ts';
import { publishCounts } from '../middleware/metrics.ts';
import { workflowTask } from './task.ts';

const timeouts = new Set(['States.Timeout', 'States.HeartbeatTimeout']);

export const handler = workflowTask(
  'RecordSystemFailure',
  async (deps, input: Parameters<typeof recordSystemFailureStep>[1]) => {
    const recorded = await recordSystemFailureStep(deps, input);
    if (timeouts.has(input.error?.Error ?? '')) publishCounts({ systemStepsTimedOut: 1 });
    return recorded;
  },
);
