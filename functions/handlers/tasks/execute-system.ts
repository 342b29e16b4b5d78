/** Workflow task ExecuteSystem: see executeSystemStep in the core. */
import { executeSystemStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('ExecuteSystem', executeSystemStep);
