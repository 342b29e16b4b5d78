/** Workflow task LoadRequest: see loadRequest in the core. */
import { loadRequest } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('LoadRequest', loadRequest);
