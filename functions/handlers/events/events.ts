/**
 * The event table: one row per function run on an event of AWS's own (an EventBridge rule in AWS, the
 * local runtime's own hook here). `handler` is the file under functions/handlers/events/.
 */
import type { Access, TableName } from '../http/routes.ts';

export interface EventHandlerSpec {
  handler: string;
  tables: Partial<Record<TableName, Access>>;
}

export const eventHandlers = {
  // A privacy-request execution ended FAILED, TIMED_OUT or ABORTED: its request is left needing attention.
  WorkflowEnded: { handler: 'workflow-ended', tables: { requests: 'write', audit: 'write' } },
} as const satisfies Record<string, EventHandlerSpec>;

export type EventHandlerName = keyof typeof eventHandlers;

/** The Step Functions execution statuses the WorkflowEnded rule matches. */
export const badExecutionEnds = ['FAILED', 'TIMED_OUT', 'ABORTED'] as const;
