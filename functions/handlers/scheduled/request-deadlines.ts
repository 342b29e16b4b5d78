/** Scheduled: expires unanswered codes and marks requests due soon or overdue (core/requests/deadline-sweep.ts). */
import { sweepDeadlines } from '#core/requests/deadline-sweep.ts';
import { deps } from '../deps.ts';
import { logger } from '../middleware/logging.ts';
import { tracedHandler } from '../middleware/tracing.ts';
import { publishCounts } from '../middleware/metrics.ts';

async function run(): Promise<Awaited<ReturnType<typeof sweepDeadlines>>> {
  const d = await deps();
  const result = await sweepDeadlines(d, d.dueSoonDays);
  logger.info({ message: 'request deadlines', ...result });
  publishCounts({ requestsOverdue: result.openOverdue });
  return result;
}

export const handler = tracedHandler(run);
