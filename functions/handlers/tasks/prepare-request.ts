/** Workflow task PrepareRequest: see prepareStep in the core. */
import { prepareStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('PrepareRequest', prepareStep);
