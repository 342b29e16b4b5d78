/**
 * The workflow task table: one row per Lambda task of the privacy-request state machine.
 * The key is the state name in the ASL (CDK names the states from it, the local runtime
 * overrides states by it); `handler` is the file under functions/handlers/tasks/.
 */
import type { Access, TableName } from '../http/routes.ts';

export interface TaskSpec {
  handler: string;
  tables: Partial<Record<TableName, Access>>;
  reports?: Access;
  /** Calls connected systems (network egress, connector secrets). */
  connectors?: boolean;
  /** Sends requester notices (SES in AWS). */
  notifies?: boolean;
  /** Answers waiting steps of the workflow (states:SendTaskSuccess, SendTaskFailure, SendTaskHeartbeat). */
  answersTasks?: boolean;
  /** The audit key: `sign` (digests, results) or `read` (its public half). */
  auditKey?: 'sign' | 'read';
  /** The function's timeout, when not the tasks' default (60 s). */
  timeoutSeconds?: number;
}

export const workflowTasks = {
  // Started, the subject resolved in the ECIF, the systems planned: one step, one read of the request.
  PrepareRequest: { handler: 'prepare-request', tables: { ecif: 'read', requests: 'write', audit: 'write' } },
  // Access data goes to the report bucket (never into proof or audit).
  ExecuteSystem: {
    handler: 'execute-system',
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    reports: 'write',
    connectors: true,
  },
  // Async systems and manual tasks: parks the step on a task token until the callback or the operator answers.
  AwaitSystem: {
    handler: 'await-system',
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    reports: 'write',
    connectors: true,
    answersTasks: true,
  },
  RecordSystemFailure: { handler: 'record-system-failure', tables: { requests: 'write', audit: 'write' } },
  Finalize: {
    handler: 'finalize',
    tables: { ecif: 'write', consent: 'write', requests: 'write', audit: 'write' },
    reports: 'write',
    notifies: true,
  },
  // The Catch of every step outside the Map: a run that ends without Finalize leaves its request needing attention.
  RecordWorkflowFailure: { handler: 'record-workflow-failure', tables: { requests: 'write', audit: 'write' } },
} as const satisfies Record<string, TaskSpec>;

export type TaskName = keyof typeof workflowTasks;

/**
 * The audit verification job's tasks (its own state machine, infra/constructs/audit-day-jobs.ts):
 * a day is checked in one invocation (up to 15 minutes), then the result is put together and signed.
 */
export const auditVerificationTasks = {
  VerifyAuditDay: { handler: 'verify-audit-day', tables: { audit: 'write' }, timeoutSeconds: 900 },
  FinishAuditVerification: {
    handler: 'finish-audit-verification',
    tables: { audit: 'write' },
    auditKey: 'sign',
    timeoutSeconds: 60,
  },
} as const satisfies Record<string, TaskSpec>;

export type AuditVerificationTaskName = keyof typeof auditVerificationTasks;

/** Error names a task throws for a transient fault: the Map's Retry matches these. */
export const transientErrors = ['TransientSystemError'] as const;

/** A system whose call slots stayed taken: retried apart, longer and with jitter (it is load, not a fault). */
export const busyErrors = ['SystemBusyError'] as const;

/**
 * Their Retry: from 5 s, x1.5, at most 60 s apart, full jitter, 25 attempts (about 20 minutes), so a
 * bulk job queues in Step Functions (no Lambda waits) instead of ending `needs_attention`.
 */
export const busyRetry = { intervalSeconds: 5, backoffRate: 1.5, maxDelaySeconds: 60, maxAttempts: 25 } as const;
