/**
 * A run that ends without Finalize leaves its request needing attention with the cause, never in a
 * working status: recorded by the state machine's Catch, by the reconciler of execution status changes
 * and by a start that failed, each a no-op once another did it, and never for an earlier run than the
 * request's own. The operator can then retry or deny it.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { denyRequest, retryRequest } from '#core/requests/request-actions.ts';
import {
  reconcileExecution,
  recordRunFailure,
  recordWorkflowFailureStep,
  startRun,
  type RunEnd,
} from '#core/requests/run-failures.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { FakeRequestWorkflow } from '../../support/fakes.ts';
import { addCustomer, customerOf, operator, requestOf, requestWorld } from './request-fixture.ts';

/** Step Functions refusing every start (unreachable, or throttled past the SDK's own retries). */
class UnstartableWorkflow extends FakeRequestWorkflow {
  override async start(): Promise<void> {
    const e = new Error('connect ECONNREFUSED 10.0.0.1:443');
    e.name = 'ServiceUnavailable';
    throw e;
  }
}

let world: ReturnType<typeof requestWorld>;
beforeEach(async () => {
  world = requestWorld('2025-01-31T15:00:00.000Z');
  await addCustomer(world, 'C000001', 'alice@example.com');
});

/** A signed-in customer's erasure: started at once, so `in_progress` once its run took it. */
async function running(status: 'received' | 'in_progress' = 'in_progress') {
  const { request } = await submitRequest(world.deps, requestOf(), customerOf('C000001'));
  if (status === 'in_progress') await world.requests.seed(request.id, { status });
  return request.id;
}

const runFailures = async (id: string) =>
  (await world.audit.stream(`request:${id}`)).filter((e) => e.action === 'request.run_failed');

describe('recordRunFailure', () => {
  it.each([
    {
      ended: 'step_failed',
      from: 'in_progress',
      reason: 'the workflow stopped at a step that failed after its retries',
    },
    { ended: 'failed', from: 'in_progress', reason: 'the workflow execution failed' },
    { ended: 'timed_out', from: 'in_progress', reason: 'the workflow execution timed out' },
    { ended: 'aborted', from: 'received', reason: 'the workflow execution was stopped' },
    { ended: 'not_started', from: 'received', reason: 'the workflow could not be started' },
  ] as const)('$ended, from $from: needs attention with the cause, audited', async ({ ended, from, reason }) => {
    const id = await running(from);
    const out = await recordRunFailure(world.deps, { requestId: id, ended: ended as RunEnd, error: 'States.Timeout' });
    expect(out).toEqual({ requestId: id, recorded: true, status: 'needs_attention' });
    expect(await world.requests.get(id)).toMatchObject({
      status: 'needs_attention',
      outcome: { result: 'workflow_failed', reasons: [`${reason} (States.Timeout)`] },
    });
    expect((await runFailures(id)).map((e) => e.details)).toEqual([{ ended, from, error: 'States.Timeout' }]);
  });

  it('a second report of the same end changes nothing (the Catch, then the reconciler)', async () => {
    const id = await running();
    await recordRunFailure(world.deps, { requestId: id, ended: 'step_failed', error: 'ConflictError' });
    const again = await recordRunFailure(world.deps, { requestId: id, ended: 'failed', error: 'ConflictError' });
    expect(again).toEqual({ requestId: id, recorded: false, status: 'needs_attention' });
    expect(await runFailures(id)).toHaveLength(1);
  });

  it.each(['completed', 'denied', 'pending_verification'] as const)('a request %s is left as it is', async (status) => {
    const id = await running();
    await world.requests.seed(id, { status });
    expect(await recordRunFailure(world.deps, { requestId: id, ended: 'failed' })).toMatchObject({ recorded: false });
    expect((await world.requests.get(id))!.status).toBe(status);
  });

  it("an earlier run's end is not the request's: an operator's retry runs on", async () => {
    const id = await running();
    await world.requests.update(id, { run: 'retry-1738335600000' });
    await recordRunFailure(world.deps, { requestId: id, ended: 'aborted' });
    expect((await world.requests.get(id))!.status).toBe('in_progress');
    await recordRunFailure(world.deps, { requestId: id, run: 'retry-1738335600000', ended: 'aborted' });
    expect((await world.requests.get(id))!.status).toBe('needs_attention');
  });

  it("keeps the message of our own named errors only: another error's message may hold anything", async () => {
    const first = await running();
    await recordWorkflowFailureStep(world.deps, {
      requestId: first,
      execution: first,
      error: {
        Error: 'CorrectionRefusedError',
        Cause: JSON.stringify({ errorType: 'CorrectionRefusedError', errorMessage: 'corrections.phone: held' }),
      },
    });
    expect((await world.requests.get(first))!.outcome!.reasons).toEqual([
      'the workflow stopped at a step that failed after its retries (CorrectionRefusedError: corrections.phone: held)',
    ]);
    world = requestWorld('2025-01-31T15:00:00.000Z');
    await addCustomer(world, 'C000001', 'alice@example.com');
    const second = await running();
    await recordWorkflowFailureStep(world.deps, {
      requestId: second,
      execution: second,
      error: { Error: 'Error', Cause: JSON.stringify({ errorType: 'Error', errorMessage: 'jane.doe@example.com' }) },
    });
    const stored = JSON.stringify(await world.requests.get(second));
    expect(stored).toContain('(Error)');
    expect(stored + JSON.stringify(await world.audit.stream(`request:${second}`))).not.toContain('jane.doe');
  });
});

describe('reconcileExecution (EventBridge execution status changes; the local runtime alike)', () => {
  it.each([
    ['FAILED', 'failed'],
    ['TIMED_OUT', 'timed_out'],
    ['ABORTED', 'aborted'],
  ])('%s: needs attention', async (status, ended) => {
    const id = await running();
    await reconcileExecution(world.deps, { name: id, status, input: JSON.stringify({ requestId: id }) });
    expect((await world.requests.get(id))!.status).toBe('needs_attention');
    expect((await runFailures(id))[0].details).toMatchObject({ ended });
  });

  it('takes the run from the execution name', async () => {
    const id = await running();
    await world.requests.update(id, { run: 'retry-7' });
    await reconcileExecution(world.deps, {
      name: `${id}-retry-7`,
      status: 'FAILED',
      input: JSON.stringify({ requestId: id }),
    });
    expect((await runFailures(id))[0].details).toMatchObject({ run: 'retry-7' });
  });

  it.each([
    { case: 'a success', status: 'SUCCEEDED', input: (id: string) => JSON.stringify({ requestId: id }) },
    { case: 'still running', status: 'RUNNING', input: (id: string) => JSON.stringify({ requestId: id }) },
    { case: 'input that is not JSON', status: 'FAILED', input: () => '{oops' },
    { case: 'no request id', status: 'FAILED', input: () => JSON.stringify({ other: 1 }) },
    { case: 'no input', status: 'FAILED', input: () => null },
  ])('$case: ignored', async ({ status, input }) => {
    const id = await running();
    expect(await reconcileExecution(world.deps, { name: id, status, input: input(id) })).toMatchObject({
      recorded: false,
    });
    expect((await world.requests.get(id))!.status).toBe('in_progress');
  });
});

describe('a start that fails', () => {
  it('submission: the request is kept, answered as needing attention (no 5xx), the operator retries it', async () => {
    world.deps.workflow = new UnstartableWorkflow();
    const { request } = await submitRequest(world.deps, requestOf(), customerOf('C000001'));
    expect(request).toMatchObject({
      status: 'needs_attention',
      outcome: { result: 'workflow_failed', reasons: ['the workflow could not be started (ServiceUnavailable)'] },
    });
    expect(JSON.stringify(request)).not.toContain('10.0.0.1');
    world.deps.workflow = world.workflow;
    const retried = await retryRequest(world.deps, request.id, operator);
    expect(retried).toMatchObject({ status: 'in_progress', run: expect.stringMatching(/^retry-\d+$/) });
    expect([...world.workflow.started]).toEqual([`${request.id}-${retried.run}`]);
  });

  it("an operator's retry that cannot start goes back to needs attention; it can then be denied", async () => {
    const id = await running();
    await recordRunFailure(world.deps, { requestId: id, ended: 'failed' });
    world.deps.workflow = new UnstartableWorkflow();
    expect(await retryRequest(world.deps, id, operator)).toMatchObject({ status: 'needs_attention' });
    const denied = await denyRequest(
      world.deps,
      id,
      { reason: 'legal_obligation_to_retain', detail: 'Records must be kept under AML law.' },
      operator,
    );
    expect(denied.status).toBe('denied');
  });

  it('when even the cause cannot be written, the start error goes on', async () => {
    const id = await running('received');
    world.deps.workflow = new UnstartableWorkflow();
    world.requests.transition = async () => {
      throw new Error('table unavailable');
    };
    await expect(startRun(world.deps, id)).rejects.toMatchObject({ name: 'ServiceUnavailable' });
  });
});
