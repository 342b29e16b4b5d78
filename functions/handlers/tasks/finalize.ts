/** Workflow task Finalize: see finalizeStep in the core. */
import { finalizeStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('Finalize', finalizeStep);
