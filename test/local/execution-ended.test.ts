/**
 * The local Step Functions endpoint hands an execution that ends FAILED, TIMED_OUT or ABORTED to its
 * machine's `onExecutionEnded` hook, with the detail EventBridge would carry (what the runtime reconciles, as
 * the rule does in AWS); a success is not handed on, nor what the endpoint's own stop aborts, nor the end of a
 * machine that has no hook (the rule names one state machine).
 */
import { DescribeExecutionCommand, SFNClient, StartExecutionCommand, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterEach, describe, expect, it } from 'vitest';
import {
  startLocalStepFunctions,
  type ExecutionStatusChangeDetail,
  type LocalStepFunctions,
} from '#infra/local/stepfunctions.ts';

const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:ended-flow';
const UNWATCHED = 'arn:aws:states:us-east-1:000000000000:stateMachine:other-flow';
const definition = {
  StartAt: 'Work',
  TimeoutSeconds: 3600,
  States: { Work: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:work', End: true } },
};

let endpoint: LocalStepFunctions | undefined;
afterEach(async () => {
  await endpoint?.stop();
  endpoint = undefined;
});

/** An endpoint whose one task does what `work` says with the execution's input. */
async function start(work: (input: { how: string }) => Promise<unknown>, executionTimeoutSeconds?: number) {
  const ended: ExecutionStatusChangeDetail[] = [];
  endpoint = await startLocalStepFunctions({
    stateMachines: [
      {
        arn: SM,
        definition,
        tasks: { Work: (i) => work(i as { how: string }) },
        onExecutionEnded: (detail) => void ended.push(detail),
      },
      { arn: UNWATCHED, definition, tasks: { Work: (i) => work(i as { how: string }) } },
    ],
    ...(executionTimeoutSeconds ? { executionTimeoutSeconds } : {}),
  });
  const client = new SFNClient({
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const run = async (name: string, how: string, stateMachineArn = SM) => {
    const { executionArn } = await client.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify({ how }) }),
    );
    return executionArn!;
  };
  return { ended, client, run, endpoint };
}

const never = () => new Promise(() => {});

describe('onExecutionEnded', () => {
  it('FAILED: handed on with the error, the name and the input', async () => {
    const {
      ended,
      run,
      endpoint: e,
    } = await start(async () => {
      throw Object.assign(new Error('no'), { name: 'ConflictError' });
    });
    const arn = await run('R-failed', 'fail');
    await e.waitForExecution(arn);
    expect(ended).toEqual([
      {
        executionArn: arn,
        stateMachineArn: SM,
        name: 'R-failed',
        status: 'FAILED',
        input: JSON.stringify({ how: 'fail' }),
        error: 'ConflictError',
        cause: expect.any(String),
      },
    ]);
  });

  it('ABORTED by StopExecution: handed on', async () => {
    const { ended, run, client, endpoint: e } = await start(never);
    const arn = await run('R-aborted', 'wait');
    await client.send(new StopExecutionCommand({ executionArn: arn }));
    await e.waitForExecution(arn);
    expect(ended.map((d) => [d.name, d.status])).toEqual([['R-aborted', 'ABORTED']]);
  });

  it('TIMED_OUT past the machine timeout (replaced here by 1 s): handed on', async () => {
    const { ended, run, client, endpoint: e } = await start(never, 1);
    const arn = await run('R-timed-out', 'wait');
    await e.waitForExecution(arn);
    expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('TIMED_OUT');
    expect(ended.map((d) => [d.name, d.status, d.error])).toEqual([['R-timed-out', 'TIMED_OUT', 'States.Timeout']]);
  });

  it('a success is not handed on, nor what the endpoint aborts as it stops', async () => {
    const { ended, run, endpoint: e } = await start(async ({ how }) => (how === 'ok' ? { ok: true } : never()));
    await e.waitForExecution(await run('R-ok', 'ok'));
    await run('R-left-running', 'wait');
    await e.stop();
    endpoint = undefined;
    expect(ended).toEqual([]);
  });

  it('a machine without a hook: its failure is not handed on (as a rule that names another machine)', async () => {
    const {
      ended,
      run,
      client,
      endpoint: e,
    } = await start(async () => {
      throw Object.assign(new Error('no'), { name: 'ConflictError' });
    });
    const arn = await run('R-other', 'fail', UNWATCHED);
    await e.waitForExecution(arn);
    expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('FAILED');
    expect(ended).toEqual([]);
  });

  it('a timeout past what setTimeout holds (45 days) is clamped, not fired at once', async () => {
    const { ended, run, client } = await start(never, 45 * 86_400);
    const arn = await run('R-long', 'wait');
    await new Promise((r) => setTimeout(r, 300));
    expect((await client.send(new DescribeExecutionCommand({ executionArn: arn }))).status).toBe('RUNNING');
    expect(ended).toEqual([]);
  });
});
