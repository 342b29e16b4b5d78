/** Load task LoadBatch: one batch of the Distributed Map (ItemBatcher: `{BatchInput, Items}`), see runLoadBatch. */
import type { LoadLine } from '#core/ecif/bulk-load.ts';
import { runLoadBatch } from '#core/ecif/load-job.ts';
import { workflowTask } from './task.ts';

export const handler = workflowTask('LoadBatch', (deps, input: { BatchInput: { jobId: string }; Items: LoadLine[] }) =>
  runLoadBatch(deps, input.BatchInput.jobId, input.Items),
);
