/** Workflow task ResolveSubject: see resolveStep in the core. */
import { resolveStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('ResolveSubject', resolveStep);
