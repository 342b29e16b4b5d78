/**
 * Audit day-job task FinishAuditVerification: the job's result over its days, signed, or for an
 * export job the manifest over its parts, signed. Reached with `error` when a day's step failed for
 * good (the job's result then says it could not finish).
 */
import { finishExport } from '#core/audit/export-job.ts';
import { finishVerification } from '#core/audit/verification-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask(
  'FinishAuditVerification',
  (deps, input: { kind?: string; jobId: string; error?: string }) => {
    const args = { jobId: input.jobId, ...(typeof input.error === 'string' ? { error: input.error } : {}) };
    return input.kind === 'export' ? finishExport(deps, args) : finishVerification(deps, args);
  },
);
