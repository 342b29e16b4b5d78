/**
 * Audit verification task FinishAuditVerification: the job's result over its days, signed. Reached
 * with `error` when a day's step failed for good (the job's result then says it could not finish).
 */
import { finishVerification } from '#core/audit/verification-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('FinishAuditVerification', (deps, input: { jobId: string; error?: string }) =>
  finishVerification(deps, { jobId: input.jobId, ...(typeof input.error === 'string' ? { error: input.error } : {}) }),
);
