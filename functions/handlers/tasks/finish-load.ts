/** Load task FinishLoad: the reject file and the job's end; after a failed Map, the job failed (error name only). */
import { finishLoad } from '#core/ecif/load-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('FinishLoad', (deps, input: { jobId: string; error?: { Error?: string } }) =>
  finishLoad(deps, input.jobId, input.error?.Error),
);
