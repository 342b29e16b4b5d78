/**
 * Scheduled: writes the digest of the day that ended, signed, and archives it with the public key
 * that checks it; then verifies that
 * day once, against the day before it (verify-day.ts), and keeps the result (verification `DAILY`):
 * the chain of these daily results is the log's standing record.
 */
import { verifyDay } from '#core/audit/verify-day.ts';
import { writeDailyDigest } from '#core/audit/verify-log.ts';
import { deps } from '../deps.ts';
import { logger } from '../middleware/logging.ts';
import { tracedHandler } from '../middleware/tracing.ts';

const scheduler = { role: 'system' as const, principal: 'audit-digest-schedule' };

/** The verification whose days are the scheduled checks, one per digest. */
export const DAILY = 'DAILY';

async function run(event?: { day?: string }): Promise<{ day: string; hash: string; ok: boolean }> {
  const d = await deps();
  const day = event?.day ?? new Date(d.clock.now().getTime() - 86_400_000).toISOString().slice(0, 10);
  const digest = await writeDailyDigest(d, day, scheduler);
  if (d.digestArchive) {
    await d.digestArchive.put(digest);
    // The key that signed it goes under the same lock: the archive checks itself offline.
    if (d.auditSigner) await d.digestArchive.putKeys(await d.auditSigner.publicKeys());
  }
  const checked = await verifyDay(d.audit, day);
  await d.verificationJobs.putDay(DAILY, checked);
  logger.info({ message: 'audit digest', day, streams: digest.heads.length, verified: checked.ok });
  return { day, hash: digest.hash, ok: checked.ok };
}

export const handler = tracedHandler(run);
