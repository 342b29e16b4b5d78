/**
 * A run of the workflow that ends without Finalize (a step that spent its retries, a timeout, an abort,
 * a start that failed) leaves its request needing attention with the cause, never in a working status:
 * the operator then retries or denies it (lifecycle.ts). Three places record it, each a no-op when
 * another got there first: the state machine's Catch (RecordWorkflowFailure), the reconciler of
 * execution status changes (an EventBridge rule in AWS, the local Step Functions runtime here), and
 * whoever failed to start a run.
 */
import { workflowActor } from '#core/shared/actor.ts';
import { ConflictError } from '#core/shared/errors.ts';
import type { RequestStore, RequestWorkflow } from './ports.ts';
import type { RequestStatus } from './request.ts';
import { causeMessage } from './workflow.ts';
import type { RequestDeps } from './submit-request.ts';

/** How a run ended without Finalize. */
export type RunEnd = 'step_failed' | 'failed' | 'timed_out' | 'aborted' | 'not_started';

export interface RunFailure {
  requestId: string;
  /** The run (undefined: the request's first); an earlier run's end says nothing of the one going now. */
  run?: string;
  ended: RunEnd;
  /** The error's name (Lambda's errorType, or the state machine's States.*). */
  error?: string;
  /** The error's message, kept only for our own named errors (their messages carry no personal data). */
  message?: string;
}

/** The statuses of a request some run is working on: none may stay so once its run has ended. */
export const workingStatuses: readonly RequestStatus[] = ['received', 'in_progress'];

/** Our errors whose message tells an operator what to fix (never a value: domain messages name fields). */
const explained = new Set(['CorrectionRefusedError', 'ConflictError', 'SuppressedIdentityError', 'NotFoundError']);

const told: Record<RunEnd, string> = {
  step_failed: 'the workflow stopped at a step that failed after its retries',
  failed: 'the workflow execution failed',
  timed_out: 'the workflow execution timed out',
  aborted: 'the workflow execution was stopped',
  not_started: 'the workflow could not be started',
};

type Deps = Pick<RequestDeps, 'requests' | 'audit' | 'clock'>;

export async function recordRunFailure(
  deps: Deps,
  failure: RunFailure,
): Promise<{ requestId: string; recorded: boolean; status?: RequestStatus }> {
  // A conditional move from the status read: lost to a step that moved it meanwhile, it reads again.
  for (let attempt = 0; attempt < 3; attempt++) {
    const request = await deps.requests.get(failure.requestId);
    if (!request) return { requestId: failure.requestId, recorded: false };
    const unchanged = { requestId: request.id, recorded: false, status: request.status };
    if ((request.run ?? '') !== (failure.run ?? '') || !workingStatuses.includes(request.status)) return unchanged;
    try {
      await deps.requests.transition(request.id, request.status, 'needs_attention', {
        outcome: { result: 'workflow_failed', reasons: [reasonOf(failure)] },
        updatedAt: deps.clock.now().toISOString(),
      });
    } catch (err) {
      if (err instanceof ConflictError) continue;
      throw err;
    }
    await deps.audit.append({
      stream: `request:${request.id}`,
      actor: workflowActor,
      action: 'request.run_failed',
      target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}) },
      details: {
        ended: failure.ended,
        from: request.status,
        ...(failure.error ? { error: failure.error } : {}),
        ...(failure.run ? { run: failure.run } : {}),
      },
    });
    return { requestId: request.id, recorded: true, status: 'needs_attention' };
  }
  return { requestId: failure.requestId, recorded: false };
}

function reasonOf(f: RunFailure): string {
  const why = f.error && f.message && explained.has(f.error) ? `${f.error}: ${f.message.slice(0, 300)}` : f.error;
  return why ? `${told[f.ended]} (${why})` : told[f.ended];
}

/**
 * Starts a run. A start that fails (Step Functions unreachable, throttled past the SDK's retries) leaves
 * the request needing attention and answers false; the error goes on only when even that could not be written.
 */
export async function startRun(
  deps: Deps & { workflow: RequestWorkflow },
  requestId: string,
  run?: string,
): Promise<boolean> {
  try {
    await deps.workflow.start(requestId, run);
    return true;
  } catch (err) {
    const recorded = await recordRunFailure(deps, {
      requestId,
      ...optionalRun(run),
      ended: 'not_started',
      error: (err as Error).name,
    }).catch(() => undefined);
    if (!recorded?.recorded) throw err;
    return false;
  }
}

/** The run an execution name carries: `<requestId>` is the first run, `<requestId>-<run>` a later one. */
export function runOf(requestId: string, executionName: string): string | undefined {
  return executionName.startsWith(`${requestId}-`) ? executionName.slice(requestId.length + 1) : undefined;
}

/** The requests some run left in a working status, for the soak and an operator's check. */
export async function idsLeftWorking(requests: Pick<RequestStore, 'idsByStatus'>): Promise<string[]> {
  return (await Promise.all(workingStatuses.map((s) => requests.idsByStatus(s)))).flat();
}

/** The state machine's Catch: a step that spent its retries (Lambda's error as the state saw it). */
export function recordWorkflowFailureStep(
  deps: Deps,
  input: { requestId: string; execution: string; error?: { Error?: string; Cause?: string } },
) {
  return recordRunFailure(deps, {
    requestId: input.requestId,
    ...optionalRun(runOf(input.requestId, input.execution)),
    ended: 'step_failed',
    error: input.error?.Error ?? 'Unknown',
    message: causeMessage(input.error?.Cause),
  });
}

/** An execution's status change, as EventBridge delivers it (detail-type "Step Functions Execution Status Change"). */
export interface ExecutionStatusChange {
  name: string;
  status: string;
  /** The execution's input, as JSON text: `{"requestId": ...}`. */
  input?: string | null;
  error?: string | null;
}

const endedBy: Record<string, RunEnd> = { FAILED: 'failed', TIMED_OUT: 'timed_out', ABORTED: 'aborted' };

/** The reconciler: an execution that ended badly leaves no request in a working status. Others are ignored. */
export async function reconcileExecution(deps: Deps, detail: ExecutionStatusChange) {
  const ended = endedBy[detail.status];
  const requestId = requestIdOf(detail.input);
  if (!ended || !requestId) return { recorded: false };
  return recordRunFailure(deps, {
    requestId,
    ...optionalRun(runOf(requestId, detail.name)),
    ended,
    ...(detail.error ? { error: detail.error } : {}),
  });
}

function requestIdOf(input: string | null | undefined): string | undefined {
  try {
    const id = (JSON.parse(input ?? '') as { requestId?: unknown }).requestId;
    return typeof id === 'string' && /^[0-9A-Z]{26}$/.test(id) ? id : undefined;
  } catch {
    return undefined;
  }
}

const optionalRun = (run: string | undefined) => (run ? { run } : {});
