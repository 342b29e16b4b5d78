/** Scheduled: writes the digest of the day that ended (and of any earlier day missed), and archives it. */
import { writeDailyDigest } from '#core/audit/verify-log.ts';
import { deps } from '../deps.ts';
import { logger } from '../middleware/logging.ts';
import { tracedHandler } from '../middleware/tracing.ts';

const scheduler = { role: 'system' as const, principal: 'audit-digest-schedule' };

async function run(event?: { day?: string }): Promise<{ day: string; hash: string }> {
  const d = await deps();
  const day = event?.day ?? new Date(d.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
  const digest = await writeDailyDigest(d, day, scheduler);
  if (d.digestArchive) await d.digestArchive.put(digest);
  logger.info({ message: 'audit digest', day, streams: digest.heads.length });
  return { day, hash: digest.hash };
}

export const handler = tracedHandler(run);
