/**
 * What operators (and requesters) may do to a request, each with its rule:
 *  - extend: once, with a reason, told to the requester before the first deadline passes
 *    (GDPR Art. 12(3): within one month; 11 CCR §7021(b): within the first 45 days);
 *  - deny: with a reason from the list and the right to complain (Art. 12(4), 11 CCR §7022-7024);
 *  - retry: re-drives only the systems that failed, once the request needs attention;
 *  - cancel: by the requester, while the request is not yet executing.
 */
import { z } from 'zod';
import { contactOnFile, complaintRights } from '../notifications/outbox.ts';
import type { Actor } from '#core/shared/actor.ts';
import { ConflictError, NotFoundError } from '#core/shared/errors.ts';
import { extendedDeadline } from './deadlines.ts';
import { assertMove } from './lifecycle.ts';
import { startRun } from './run-failures.ts';
import { denialReasons, terminalStatuses, type PrivacyRequest } from './request.ts';
import type { RequestDeps } from './submit-request.ts';

export const extendInputSchema = z.strictObject({ reason: z.string().trim().min(10).max(1000) });
export const denyInputSchema = z.strictObject({
  reason: z.enum(denialReasons),
  detail: z.string().trim().min(10).max(2000),
});

async function load(deps: RequestDeps, id: string): Promise<PrivacyRequest> {
  const request = await deps.requests.get(id);
  if (!request) throw new NotFoundError('no such request');
  return request;
}

function record(
  deps: RequestDeps,
  request: PrivacyRequest,
  actor: Actor,
  action: string,
  details: Record<string, unknown>,
) {
  return deps.audit.append({
    stream: `request:${request.id}`,
    actor,
    action,
    target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}) },
    details,
  });
}

async function tell(
  deps: RequestDeps,
  request: PrivacyRequest,
  notice: Parameters<RequestDeps['outbox']['send']>[0]['notice'],
) {
  const contact =
    request.ecifId && request.verification.state === 'verified'
      ? contactOnFile(await deps.ecif.getCustomer(request.ecifId))
      : undefined;
  if (contact) await deps.outbox.send({ requestId: request.id, to: contact, notice });
}

export async function extendRequest(
  deps: RequestDeps,
  id: string,
  input: z.infer<typeof extendInputSchema>,
  actor: Actor,
) {
  const request = await load(deps, id);
  if (terminalStatuses.includes(request.status))
    throw new ConflictError(`a request that is ${request.status} cannot be extended`, {
      requestStatus: request.status,
    });
  if (request.extension)
    throw new ConflictError('the deadline was extended once already: the law allows one extension', {
      extendedDueAt: request.extension.extendedDueAt,
    });
  const now = deps.clock.now();
  if (now.toISOString() >= request.dueAt) {
    throw new ConflictError('an extension must be told to the requester before the first deadline passes', {
      dueAt: request.dueAt,
    });
  }
  // From the due date the requester was told, not one recomputed (the holiday list may have changed since).
  const extendedDueAt = extendedDeadline(request.jurisdiction, new Date(request.dueAt), deps.holidays).toISOString();
  const extension = { extendedDueAt, reason: input.reason, at: now.toISOString(), by: actor };
  // Conditional on the status read: an extension never lands on a request that closed meanwhile.
  await deps.requests.updateIfStatus(id, request.status, {
    extension,
    attention: undefined,
    updatedAt: now.toISOString(),
  });
  // The reason is the operator's free text: it may name anything, so the audit keeps its length only.
  await record(deps, request, actor, 'request.extended', {
    dueAt: request.dueAt,
    extendedDueAt,
    reasonLength: input.reason.length,
  });
  await tell(deps, request, { kind: 'extended', extendedDueAt, reason: input.reason });
  return (await deps.requests.get(id))!;
}

export async function denyRequest(deps: RequestDeps, id: string, input: z.infer<typeof denyInputSchema>, actor: Actor) {
  const request = await load(deps, id);
  assertMove(request.status, 'denied', 'denied');
  const at = deps.clock.now().toISOString();
  await deps.requests.transition(id, request.status, 'denied', {
    denial: { ...input, at, by: actor },
    outcome: { result: 'denied', reasons: [input.reason] },
    corrections: undefined,
    attention: undefined,
    completedAt: at,
    updatedAt: at,
  });
  await record(deps, request, actor, 'request.denied', { reason: input.reason, from: request.status });
  await tell(deps, request, {
    kind: 'denied',
    reason: input.reason,
    detail: input.detail,
    complaint: complaintRights[request.jurisdiction],
  });
  return (await deps.requests.get(id))!;
}

export async function retryRequest(deps: RequestDeps, id: string, actor: Actor) {
  const request = await load(deps, id);
  if (request.status !== 'needs_attention') {
    throw new ConflictError(`only a request that needs attention can be retried; this one is ${request.status}`, {
      requestStatus: request.status,
    });
  }
  const failed = (await deps.requests.tasks(id)).filter((t) => t.state === 'failed');
  const at = deps.clock.now().toISOString();
  for (const t of failed) await deps.requests.updateTask(id, t.systemId, { state: 'pending', updatedAt: at });
  // A new run of the same workflow: the systems that succeeded stay done (their tasks are not pending).
  // The request names it: the end of an earlier run (an abort, say) no longer speaks for the request.
  const run = `retry-${Date.parse(at)}`;
  await deps.requests.transition(id, 'needs_attention', 'in_progress', { run, updatedAt: at });
  await record(deps, request, actor, 'request.retried', { systems: failed.map((t) => t.systemId) });
  await startRun(deps, id, run);
  return (await deps.requests.get(id))!;
}

export async function cancelRequest(deps: RequestDeps, id: string, actor: Actor) {
  const request = await load(deps, id);
  assertMove(request.status, 'cancelled', 'cancelled');
  const at = deps.clock.now().toISOString();
  await deps.requests.transition(id, request.status, 'cancelled', {
    outcome: { result: 'cancelled', reasons: ['withdrawn by the requester'] },
    corrections: undefined,
    cancelledAt: at,
    completedAt: at,
    updatedAt: at,
  });
  await record(deps, request, actor, 'request.cancelled', { from: request.status });
  return (await deps.requests.get(id))!;
}
