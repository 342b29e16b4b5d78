/** Workflow task RecordWorkflowFailure: see recordWorkflowFailureStep in the core. */
import { recordWorkflowFailureStep } from '#core/requests/run-failures.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('RecordWorkflowFailure', recordWorkflowFailureStep);
