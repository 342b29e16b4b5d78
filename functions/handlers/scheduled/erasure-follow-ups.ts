/** Scheduled: starts the follow-up erasures that fell due (core/requests/follow-ups.ts). */
import { startDueFollowUps } from '#core/requests/follow-ups.ts';
import { deps } from '../deps.ts';
import { logger } from '../middleware/logging.ts';
import { tracedHandler } from '../middleware/tracing.ts';

async function run(): Promise<Awaited<ReturnType<typeof startDueFollowUps>>> {
  const result = await startDueFollowUps(await deps());
  logger.info({ message: 'erasure follow-ups', due: result.due, started: result.started.length });
  return result;
}

export const handler = tracedHandler(run);
