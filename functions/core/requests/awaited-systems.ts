/**
 * Steps that wait: an async system (http `mode: async`) that answers 202 and calls back later, and a
 * `manual` system whose operator does the work by hand and attests it. The workflow parks the step on
 * a Step Functions task token (with a timeout, and a heartbeat for callbacks); the token is kept on the
 * system task, and the callback or the operator's completion hands the step back to the workflow.
 * A timeout, a reported failure or "not possible" fails the step: the Map's Catch records it and the
 * request ends needing attention, as for any failed system.
 */
import { z } from 'zod';
import { workflowActor, type Actor } from '#core/shared/actor.ts';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  ReadBackDisagreement,
  UnverifiedOutcomeError,
} from '#core/shared/errors.ts';
import { recordSystemOutcome, systemStepOf, type WorkflowDeps } from './workflow.ts';
import { executionOf } from '../connectors/system.ts';
import { callbackPath } from '../connectors/connector.ts';
import type { RequestWorkflow } from './ports.ts';

type AwaitDeps = WorkflowDeps & { workflow: Pick<RequestWorkflow, 'completeTask'>; callbackBaseUrl?: string };

/** Workflow task AwaitSystem: opens the wait (token kept first, so a fast callback finds it), then asks the system. */
export async function awaitSystemStep(
  deps: AwaitDeps,
  input: { requestId: string; systemId: string; taskToken: string },
) {
  const { request, task, system, work } = await systemStepOf(deps, input);
  if (!system || !work) {
    // Settled already (a re-driven execution): hand the step straight back.
    await deps.workflow.completeTask(input.taskToken, { systemId: task.systemId, state: task.state });
    return;
  }
  const execution = executionOf(system);
  const at = deps.clock.now();
  const waitingFor = execution.mode === 'operator' ? 'operator' : 'callback';
  const until = new Date(at.getTime() + execution.waitSeconds * 1000).toISOString();
  await deps.requests.updateTask(request.id, task.systemId, {
    state: 'waiting',
    attempts: task.attempts + 1,
    waiting: { for: waitingFor, since: at.toISOString(), until, token: input.taskToken },
    updatedAt: at.toISOString(),
  });
  const audit = (action: string, details: Record<string, unknown>) =>
    deps.audit.append({
      stream: `request:${request.id}`,
      actor: workflowActor,
      action,
      target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}), systemId: task.systemId },
      details,
    });
  if (waitingFor === 'operator') {
    await audit('request.manual_task_opened', { action: task.action, fields: work.fields.map((f) => f.name), until });
    return;
  }
  const connector = deps.connectorFor(system);
  if (!connector.start) throw new InvalidInputError('this connector kind cannot run asynchronously');
  const path = callbackPath(request.id, task.systemId);
  const started = await connector.start(work, {
    path,
    ...(deps.callbackBaseUrl ? { url: `${deps.callbackBaseUrl.replace(/\/$/, '')}${path}` } : {}),
  });
  if (started.accepted) {
    await audit('request.system_waiting', { action: task.action, until });
    return;
  }
  // The system finished at once: the same proof as a sync system's, then the step goes on.
  const done = await recordSystemOutcome(deps, { request, task, work, connector, from: 'waiting' }, started.outcome);
  await deps.workflow.completeTask(input.taskToken, done);
}

/** What an async system posts back (signed; docs/connectors.md). */
export const systemCallbackSchema = z.strictObject({
  idempotencyKey: z.string().min(1).max(300),
  status: z.enum(['succeeded', 'failed', 'in_progress']),
  recordsAffected: z.number().int().min(0).max(1e9).optional(),
  fieldsChanged: z.array(z.string().max(64)).max(200).optional(),
  /** access: what the system holds for the subject (to the report store only). */
  data: z.record(z.string().max(64), z.unknown()).optional(),
  /** failed: why, in words free of personal data. */
  error: z.string().max(300).optional(),
});
export type SystemCallback = z.infer<typeof systemCallbackSchema>;

type AnswerDeps = WorkflowDeps & { workflow: Pick<RequestWorkflow, 'completeTask' | 'failTask' | 'heartbeatTask'> };

async function waitingStep(deps: AnswerDeps, requestId: string, systemId: string, waitingFor: 'callback' | 'operator') {
  const step = await systemStepOf(deps, { requestId, systemId }).catch((err: unknown) => {
    // Never say more to a caller than "no such step" about a request it names.
    if (err instanceof NotFoundError) throw new NotFoundError('no such system step');
    throw err;
  });
  const { task } = step;
  if (task.state !== 'waiting' || task.waiting?.for !== waitingFor || !step.system || !step.work) {
    throw new ConflictError(
      `this system step is not waiting for ${waitingFor === 'operator' ? 'an operator' : 'a callback'}`,
      { systemState: task.state },
    );
  }
  return { ...step, system: step.system, work: step.work, token: task.waiting.token };
}

/** POST /v1/callbacks/{requestId}/{systemId}: the signature was checked by the route; this checks it answers this step. */
export async function acceptSystemCallback(
  deps: AnswerDeps,
  requestId: string,
  systemId: string,
  callback: SystemCallback,
) {
  const step = await waitingStep(deps, requestId, systemId, 'callback');
  // The key we sent with the call (the http connector's payload): a callback for another step is refused.
  if (callback.idempotencyKey !== `${step.work.idempotencyKey}:${step.work.action}`) {
    throw new InvalidInputError('the idempotency key is not the one sent with this step', { field: 'idempotencyKey' });
  }
  if (callback.status === 'in_progress') {
    await deps.workflow.heartbeatTask(step.token);
    return { accepted: true, state: 'waiting' as const };
  }
  if (callback.status === 'failed') {
    await deps.workflow.failTask(
      step.token,
      'SystemReportedFailure',
      (callback.error ?? 'the system reported a failure').slice(0, 300),
    );
    return { accepted: true, state: 'failed' as const };
  }
  const connector = deps.connectorFor(step.system);
  const done = await recordSystemOutcome(
    deps,
    { ...step, connector, from: 'waiting' },
    {
      recordsAffected: callback.recordsAffected ?? 0,
      fieldsChanged: callback.fieldsChanged ?? step.work.fields.map((f) => f.name),
      ...(step.task.action === 'access' ? { data: callback.data ?? {} } : {}),
    },
  ).catch((err: unknown) => (err instanceof ReadBackDisagreement ? unverified(deps, step, err) : Promise.reject(err)));
  await deps.workflow.completeTask(step.token, done);
  return { accepted: true, state: 'succeeded' as const };
}

/**
 * A `succeeded` the read-back disproves: the disagreement is audited (field names, never values), the
 * step fails for the Map's Catch (the request then needs attention), and the system hears a 422.
 */
async function unverified(
  deps: AnswerDeps,
  step: Awaited<ReturnType<typeof waitingStep>>,
  disagreement: ReadBackDisagreement,
): Promise<never> {
  const { request, task } = step;
  await deps.audit.append({
    stream: `request:${request.id}`,
    actor: workflowActor,
    action: 'request.system_unverified',
    target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}), systemId: task.systemId },
    details: {
      action: task.action,
      claimed: 'succeeded',
      remaining: disagreement.remaining,
      verification: disagreement.method,
    },
  });
  await deps.workflow.failTask(step.token, 'UnverifiedOutcome', disagreement.message.slice(0, 300));
  throw new UnverifiedOutcomeError('the read-back does not confirm what the callback reports; the step has failed', {
    remaining: disagreement.remaining,
  });
}

/** What an operator attests when closing a manual task. */
export const manualCompletionSchema = z.strictObject({
  outcome: z.enum(['done', 'not_possible']),
  /** Where the proof is kept (a ticket, a screenshot's reference): an id, never personal data. */
  evidence: z.strictObject({ reference: z.string().trim().min(3).max(200) }),
  recordsAffected: z.number().int().min(0).max(1e9).optional(),
  /** not_possible: why (told to whoever handles the attention). */
  reason: z.string().trim().min(3).max(300).optional(),
});
export type ManualCompletion = z.infer<typeof manualCompletionSchema>;

/** POST /v1/privacy-requests/{id}/systems/{systemId}/complete (operator). */
export async function completeManualTask(
  deps: AnswerDeps,
  requestId: string,
  systemId: string,
  completion: ManualCompletion,
  operator: Actor,
) {
  const step = await waitingStep(deps, requestId, systemId, 'operator');
  if (completion.outcome === 'not_possible') {
    if (!completion.reason)
      throw new InvalidInputError('a task that could not be done needs a reason', { field: 'reason' });
    await deps.audit.append({
      stream: `request:${requestId}`,
      actor: operator,
      action: 'request.manual_task_not_possible',
      target: { requestId, systemId },
      details: { evidence: completion.evidence.reference },
    });
    await deps.workflow.failTask(step.token, 'ManualTaskNotPossible', completion.reason);
    return { systemId, state: 'failed' as const };
  }
  const connector = deps.connectorFor(step.system);
  const done = await recordSystemOutcome(
    deps,
    { ...step, connector, from: 'waiting' },
    { recordsAffected: completion.recordsAffected ?? 0, fieldsChanged: step.work.fields.map((f) => f.name) },
    { verification: 'operator-attested', evidence: completion.evidence.reference, actor: operator },
  );
  await deps.workflow.completeTask(step.token, done);
  return done;
}
