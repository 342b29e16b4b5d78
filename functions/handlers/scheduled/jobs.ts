/**
 * The scheduled-job table: one row per job run on a schedule (an EventBridge rule in AWS, an
 * interval in the local runtime). `handler` is the file under functions/handlers/scheduled/.
 */
import type { Access, TableName } from '../http/routes.ts';

export interface ScheduledJobSpec {
  handler: string;
  /** EventBridge schedule expression (UTC). */
  schedule: string;
  /** Locally: how often to run it, in minutes. */
  localEveryMinutes: number;
  tables: Partial<Record<TableName, Access>>;
  digests?: 'write';
  /** The audit key: `sign` (the digests it writes). */
  auditKey?: 'sign';
  notifies?: boolean;
  /** Starts runs of the privacy-request workflow. */
  startsWorkflow?: boolean;
}

export const scheduledJobs = {
  // Shortly after midnight UTC: the day that ended gets its digest.
  AuditDigest: {
    handler: 'audit-digest',
    schedule: 'cron(15 0 * * ? *)',
    localEveryMinutes: 60,
    tables: { audit: 'write' },
    digests: 'write',
    auditKey: 'sign',
  },
  // Expires unanswered codes (15 min), marks requests due soon or overdue, runs again the systems that were down.
  RequestDeadlines: {
    handler: 'request-deadlines',
    schedule: 'rate(15 minutes)',
    localEveryMinutes: 5,
    tables: { requests: 'write', audit: 'write' },
    startsWorkflow: true,
  },
  // Starts the follow-up erasures that fell due (retention ended, hold released and not yet started);
  // one whose subject is under a legal hold waits for the release.
  ErasureFollowUps: {
    handler: 'erasure-follow-ups',
    schedule: 'rate(1 hour)',
    localEveryMinutes: 5,
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    startsWorkflow: true,
  },
} as const satisfies Record<string, ScheduledJobSpec>;

export type ScheduledJobName = keyof typeof scheduledJobs;
