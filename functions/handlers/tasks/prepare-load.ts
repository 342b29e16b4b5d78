/** Load task PrepareLoad: see prepareLoad in the core. */
import { prepareLoad } from '#core/ecif/load-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('PrepareLoad', (deps, input: { jobId: string }) => prepareLoad(deps, input.jobId));
