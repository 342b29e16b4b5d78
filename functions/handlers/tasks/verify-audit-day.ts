/** Audit verification task VerifyAuditDay: one day of a job checked and stored (verification-job.ts). */
import { verifyJobDay } from '#core/audit/verification-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('VerifyAuditDay', verifyJobDay);
