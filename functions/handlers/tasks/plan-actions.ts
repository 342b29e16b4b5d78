/** Workflow task PlanActions: see planStep in the core. */
import { planStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('PlanActions', planStep);
