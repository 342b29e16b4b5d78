/** Workflow task AwaitSystem (waitForTaskToken): see awaitSystemStep in the core. */
import { awaitSystemStep } from '#core/requests/awaited-systems.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('AwaitSystem', awaitSystemStep);
