/**
 * Audit day-job task VerifyAuditDay: one day of a job, checked and stored (verification-job.ts) or,
 * for an export job, written as its part (export-job.ts). One function for both: see tasks.ts.
 */
import { exportJobDay } from '#core/audit/export-job.ts';
import { verifyJobDay } from '#core/audit/verification-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask(
  'VerifyAuditDay',
  (deps, input: { kind?: string; jobId: string; day: string }): Promise<{ day: string }> =>
    input.kind === 'export' ? exportJobDay(deps, input) : verifyJobDay(deps, input),
);
