/**
 * The deadline sweeper (a schedule in AWS, an interval locally). It ends as `unverified` the requests
 * whose code expired unanswered, and marks open requests due within `dueSoonDays` (`due_soon`) or past
 * their held-to deadline (`overdue`), once per change, each mark an audit event operators can alert on.
 * A request that needs attention only because systems were down (transient failures, retries spent)
 * is run again for those systems at each sweep while its deadline has not passed: a system down for a
 * long spell is waited for, not forgotten. A permanent failure waits for a person.
 */
import { addDays } from './deadlines.ts';
import { effectiveDueAt, openStatuses } from './request.ts';
import type { RequestDeps } from './submit-request.ts';
import { endUnverified } from './verify-request.ts';
import { retryRequest } from './request-actions.ts';

/** The errors a system's step ends with when it was down or kept busy (not refused): worth another run later. */
const TRANSIENT: readonly string[] = ['TransientSystemError', 'SystemBusyError'];

export const sweeperActor = { role: 'system' as const, principal: 'deadline-sweeper' };

export interface SweepResult {
  unverified: number;
  dueSoon: number;
  overdue: number;
  /** Every open request past its deadline now, marked before or not (what the overdue alarm watches). */
  openOverdue: number;
  /** Requests run again for systems that were down. */
  retried: number;
}

export async function sweepDeadlines(deps: RequestDeps, dueSoonDays = 7): Promise<SweepResult> {
  const now = deps.clock.now();
  const result: SweepResult = { unverified: 0, dueSoon: 0, overdue: 0, openOverdue: 0, retried: 0 };

  for await (const request of pages(deps, { statuses: ['pending_verification'] })) {
    if (request.verification.codeExpiresAt && request.verification.codeExpiresAt < now.toISOString()) {
      try {
        await endUnverified(deps, request, 'code_expired', sweeperActor);
        result.unverified++;
      } catch (err) {
        // Verified (or cancelled) between the read and the write: nothing to end.
        if ((err as Error).name !== 'ConflictError') throw err;
      }
    }
  }

  const horizon = addDays(now, dueSoonDays).toISOString();
  for await (const request of pages(deps, { statuses: openStatuses, dueBefore: horizon })) {
    const mark = effectiveDueAt(request) < now.toISOString() ? 'overdue' : 'due_soon';
    if (mark === 'overdue') result.openOverdue++;
    if (request.attention === mark) continue;
    try {
      await deps.requests.updateIfStatus(request.id, request.status, {
        attention: mark,
        updatedAt: now.toISOString(),
      });
    } catch (err) {
      if ((err as Error).name !== 'ConflictError') throw err;
      continue;
    }
    await deps.audit.append({
      stream: `request:${request.id}`,
      actor: sweeperActor,
      action: `request.${mark}`,
      target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}) },
      details: { status: request.status, dueAt: effectiveDueAt(request) },
    });
    result[mark === 'overdue' ? 'overdue' : 'dueSoon']++;
  }

  for await (const request of pages(deps, { statuses: ['needs_attention'] })) {
    if (effectiveDueAt(request) < now.toISOString()) continue;
    const failed = (await deps.requests.tasks(request.id)).filter((t) => t.state === 'failed');
    if (failed.length === 0 || failed.some((t) => !TRANSIENT.includes(t.lastError?.name ?? ''))) continue;
    try {
      await retryRequest(deps, request.id, sweeperActor);
      result.retried++;
    } catch (err) {
      // Retried (or closed) by an operator between the read and the write.
      if ((err as Error).name !== 'ConflictError') throw err;
    }
  }
  return result;
}

async function* pages(deps: RequestDeps, filter: Parameters<RequestDeps['requests']['list']>[0]) {
  let cursor: string | undefined;
  do {
    const page = await deps.requests.list(filter, { limit: 100, ...(cursor ? { cursor } : {}) });
    yield* page.items;
    cursor = page.cursor;
  } while (cursor);
}
