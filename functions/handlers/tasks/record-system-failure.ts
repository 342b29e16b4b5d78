/** Workflow task RecordSystemFailure: see recordSystemFailureStep in the core. */
import { recordSystemFailureStep } from '#core/requests/workflow.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('RecordSystemFailure', recordSystemFailureStep);
