/**
 * The ECIF load task table: one row per Lambda task of the load state machine (infra/constructs/ecif-load.ts),
 * keyed by state name as the privacy-request table is (the local runtime overrides states by it).
 */
import type { TaskSpec } from './tasks.ts';

export const loadTasks = {
  // The file staged as JSONL with line numbers (gzip undone, CSV read), streamed: no Lambda holds it.
  PrepareLoad: { handler: 'prepare-load', tables: { ecif: 'write', audit: 'write' }, reports: 'write' },
  // One batch of the Distributed Map: grouped conditional writes, its outcome recorded once.
  LoadBatch: { handler: 'load-batch', tables: { ecif: 'write', audit: 'write' }, batchWrites: true },
  // The reject file, the job finished (or failed).
  FinishLoad: { handler: 'finish-load', tables: { ecif: 'write', audit: 'write' }, reports: 'write' },
} as const satisfies Record<string, TaskSpec & { batchWrites?: boolean }>;

export type LoadTaskName = keyof typeof loadTasks;
