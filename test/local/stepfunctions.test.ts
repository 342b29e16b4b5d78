import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeExecutionCommand,
  ListExecutionsCommand,
  SendTaskFailureCommand,
  SendTaskHeartbeatCommand,
  SendTaskSuccessCommand,
  SFNClient,
  StartExecutionCommand,
  StopExecutionCommand,
  type DescribeExecutionCommandOutput,
} from '@aws-sdk/client-sfn';
import { startLocalStepFunctions, type LocalStepFunctions } from '#infra/local/stepfunctions.ts';

const fn = (name: string) => `arn:aws:lambda:us-east-1:000000000000:function:${name}`;
const SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:test-flow';
const TOKEN_SM = 'arn:aws:states:us-east-1:000000000000:stateMachine:token-flow';

class TransientSystemError extends Error {
  override name = 'TransientSystemError';
}

/** A small workflow: Load -> Flaky (retry on TransientSystemError) -> Map over items (catch per item) -> Done. */
const definition = {
  StartAt: 'Load',
  States: {
    Load: { Type: 'Task', Resource: fn('load'), Next: 'Flaky' },
    Flaky: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke',
      Parameters: { FunctionName: fn('flaky'), 'Payload.$': '$' },
      OutputPath: '$.Payload',
      Retry: [{ ErrorEquals: ['TransientSystemError'], IntervalSeconds: 1, MaxAttempts: 3, BackoffRate: 2 }],
      Next: 'Each',
    },
    Each: {
      Type: 'Map',
      ItemsPath: '$.items',
      ItemSelector: { 'item.$': '$$.Map.Item.Value', 'index.$': '$$.Map.Item.Index', 'mode.$': '$.mode' },
      ItemProcessor: {
        ProcessorConfig: { Mode: 'INLINE' },
        StartAt: 'Work',
        States: {
          Work: {
            Type: 'Task',
            Resource: fn('work'),
            Catch: [{ ErrorEquals: ['ItemBroken'], ResultPath: '$.error', Next: 'Broken' }],
            End: true,
          },
          Broken: {
            Type: 'Pass',
            Parameters: { 'failed.$': '$.item', 'error.$': '$.error.Error', 'cause.$': '$.error.Cause' },
            End: true,
          },
        },
      },
      ResultPath: '$.results',
      Next: 'Done',
    },
    Done: { Type: 'Pass', End: true },
  },
};

const tokenDefinition = {
  StartAt: 'Ask',
  States: {
    Ask: {
      Type: 'Task',
      Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
      Parameters: { FunctionName: fn('ask'), Payload: { 'token.$': '$$.Task.Token', 'who.$': '$.who' } },
      HeartbeatSeconds: 30,
      ResultPath: '$.answer',
      Catch: [{ ErrorEquals: ['Declined'], ResultPath: '$.declined', Next: 'WasDeclined' }],
      Next: 'Ok',
    },
    Ok: { Type: 'Succeed' },
    WasDeclined: { Type: 'Fail', Error: 'Declined', Cause: 'the system declined' },
  },
};

let sfnEndpoint: LocalStepFunctions;
let sfn: SFNClient;
const flakyCalls = new Map<string, number>();
const asked: Array<{ token: string; taskToken: string; who: string }> = [];

beforeAll(async () => {
  sfnEndpoint = await startLocalStepFunctions({
    retryIntervalMs: 5,
    stateMachines: [
      {
        arn: SM,
        definition,
        tasks: {
          Load: (input: any) => ({ ...input, loaded: true }),
          Flaky: (input: any) => {
            const n = (flakyCalls.get(input.key) ?? 0) + 1;
            flakyCalls.set(input.key, n);
            if (n <= input.failTimes) throw new TransientSystemError(`attempt ${n} failed`);
            if (input.fatal) throw new Error('fatal');
            return { ...input, attempts: n };
          },
          Work: (input: any) => {
            if (input.item === 'bad') {
              const e = new Error('item is broken');
              e.name = 'ItemBroken';
              throw e;
            }
            return { done: input.item, index: input.index, mode: input.mode };
          },
        },
      },
      {
        arn: TOKEN_SM,
        definition: tokenDefinition,
        tasks: {
          Ask: (input: any) => {
            asked.push(input);
            return { ignored: true };
          },
        },
      },
    ],
  });
  sfn = new SFNClient({
    endpoint: sfnEndpoint.url,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
});

afterAll(async () => {
  sfn?.destroy();
  await sfnEndpoint?.stop();
});

async function waitDone(executionArn: string): Promise<DescribeExecutionCommandOutput> {
  for (let i = 0; i < 400; i++) {
    const d = await sfn.send(new DescribeExecutionCommand({ executionArn }));
    if (d.status !== 'RUNNING') return d;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('execution did not finish');
}

async function waitFor<T>(fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('condition not met');
}

describe('local Step Functions endpoint via SFNClient', () => {
  it('runs to success with retry-then-success, Map with ItemSelector and a caught item', async () => {
    const input = { key: 'a', failTimes: 2, mode: 'erase', items: ['x', 'bad', 'y'] };
    const { executionArn, startDate } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: SM, name: 'req-1', input: JSON.stringify(input) }),
    );
    expect(executionArn).toBe('arn:aws:states:us-east-1:000000000000:execution:test-flow:req-1');
    expect(startDate).toBeInstanceOf(Date);
    const d = await waitDone(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(d.stopDate).toBeInstanceOf(Date);
    expect(JSON.parse(d.input!)).toEqual(input);
    const out = JSON.parse(d.output!);
    expect(out.loaded).toBe(true);
    expect(out.attempts).toBe(3);
    expect(flakyCalls.get('a')).toBe(3);
    expect(out.results[0]).toEqual({ done: 'x', index: 0, mode: 'erase' });
    expect(out.results[2]).toEqual({ done: 'y', index: 2, mode: 'erase' });
    expect(out.results[1].failed).toBe('bad');
    expect(out.results[1].error).toBe('ItemBroken');
    expect(JSON.parse(out.results[1].cause)).toMatchObject({ errorType: 'ItemBroken', errorMessage: 'item is broken' });
  });

  it('fails with the thrown error name when retries are exhausted or the error is not retried', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: SM, input: JSON.stringify({ key: 'b', failTimes: 10, items: [] }) }),
    );
    const d = await waitDone(executionArn!);
    expect(d.status).toBe('FAILED');
    expect(d.error).toBe('TransientSystemError');
    expect(flakyCalls.get('b')).toBe(4); // 1 + MaxAttempts 3
    expect(JSON.parse(d.cause!).errorMessage).toBe('attempt 4 failed');

    const second = await sfn.send(
      new StartExecutionCommand({
        stateMachineArn: SM,
        input: JSON.stringify({ key: 'c', failTimes: 0, fatal: true, items: [] }),
      }),
    );
    const d2 = await waitDone(second.executionArn!);
    expect(d2.error).toBe('Error');
    expect(flakyCalls.get('c')).toBe(1);
  });

  it('is idempotent on name + same input while running, ExecutionAlreadyExists otherwise', async () => {
    const input = JSON.stringify({ who: 'idem' });
    const first = await sfn.send(new StartExecutionCommand({ stateMachineArn: TOKEN_SM, name: 'same', input }));
    const again = await sfn.send(new StartExecutionCommand({ stateMachineArn: TOKEN_SM, name: 'same', input }));
    expect(again.executionArn).toBe(first.executionArn);
    await expect(
      sfn.send(
        new StartExecutionCommand({ stateMachineArn: TOKEN_SM, name: 'same', input: JSON.stringify({ who: 'other' }) }),
      ),
    ).rejects.toMatchObject({ name: 'ExecutionAlreadyExists' });
    await expect(sfn.send(new StartExecutionCommand({ stateMachineArn: `${SM}-nope`, input }))).rejects.toMatchObject({
      name: 'StateMachineDoesNotExist',
    });

    const running = await sfn.send(new ListExecutionsCommand({ stateMachineArn: TOKEN_SM, statusFilter: 'RUNNING' }));
    expect(running.executions?.map((e) => e.name)).toContain('same');
    await sfn.send(new StopExecutionCommand({ executionArn: first.executionArn, error: 'Stopped' }));
    const d = await waitDone(first.executionArn!);
    expect(d.status).toBe('ABORTED');
    const aborted = await sfn.send(new ListExecutionsCommand({ stateMachineArn: TOKEN_SM, statusFilter: 'ABORTED' }));
    expect(aborted.executions?.map((e) => e.name)).toContain('same');
  });

  it('waits for a task token: SendTaskHeartbeat + SendTaskSuccess', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: TOKEN_SM, input: JSON.stringify({ who: 'alice' }) }),
    );
    const call = await waitFor(() => asked.find((a) => a.who === 'alice'));
    expect(call.token).toMatch(/^[A-Za-z0-9_-]{32,}$/);
    expect(call.taskToken).toBe(call.token);
    expect((await sfn.send(new DescribeExecutionCommand({ executionArn }))).status).toBe('RUNNING');
    await sfn.send(new SendTaskHeartbeatCommand({ taskToken: call.taskToken }));
    await sfn.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: JSON.stringify({ ok: 1 }) }));
    const d = await waitDone(executionArn!);
    expect(d.status).toBe('SUCCEEDED');
    expect(JSON.parse(d.output!)).toEqual({ who: 'alice', answer: { ok: 1 } });
    // the token is spent
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: call.taskToken, output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskTimedOut' });
    await expect(
      sfn.send(new SendTaskSuccessCommand({ taskToken: 'not-a-token', output: '{}' })),
    ).rejects.toMatchObject({ name: 'TaskDoesNotExist' });
  });

  it('waits for a task token: SendTaskFailure is caught by its error name', async () => {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn: TOKEN_SM, input: JSON.stringify({ who: 'bob' }) }),
    );
    const call = await waitFor(() => asked.find((a) => a.who === 'bob'));
    await sfn.send(new SendTaskFailureCommand({ taskToken: call.taskToken, error: 'Declined', cause: 'no' }));
    const d = await waitDone(executionArn!);
    expect(d.status).toBe('FAILED');
    expect(d.error).toBe('Declined');
    expect(d.cause).toBe('the system declined');
  });

  it('answers unknown operations and bad input with a JSON protocol error', async () => {
    const res = await fetch(sfnEndpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.Nope', 'content-type': 'application/x-amz-json-1.0' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ __type: 'UnknownOperationException' });
    await expect(
      sfn.send(new StartExecutionCommand({ stateMachineArn: SM, input: '{not json' })),
    ).rejects.toMatchObject({ name: 'InvalidExecutionInput' });
  });
});

describe('task token timeouts', () => {
  it('fails with States.HeartbeatTimeout and States.Timeout', async () => {
    const arnHb = 'arn:aws:states:us-east-1:000000000000:stateMachine:hb';
    const arnTo = 'arn:aws:states:us-east-1:000000000000:stateMachine:to';
    const waitState = (extra: object) => ({
      StartAt: 'Wait',
      States: {
        Wait: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke.waitForTaskToken',
          Parameters: { FunctionName: fn('w'), Payload: {} },
          End: true,
          ...extra,
        },
      },
    });
    const local = await startLocalStepFunctions({
      stateMachines: [
        { arn: arnHb, definition: waitState({ HeartbeatSeconds: 1 }), tasks: { Wait: () => null } },
        {
          arn: arnTo,
          definition: waitState({ TimeoutSeconds: 1, Catch: [{ ErrorEquals: ['States.TaskFailed'], Next: 'Never' }] }),
          tasks: { Wait: () => null },
        },
      ].map((m) =>
        m.arn === arnTo
          ? {
              ...m,
              definition: { ...m.definition, States: { ...m.definition.States, Never: { Type: 'Pass', End: true } } },
            }
          : m,
      ),
    });
    const client = new SFNClient({
      endpoint: local.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'x' },
    });
    try {
      const a = await client.send(new StartExecutionCommand({ stateMachineArn: arnHb }));
      const b = await client.send(new StartExecutionCommand({ stateMachineArn: arnTo }));
      await local.waitForExecution(a.executionArn!);
      await local.waitForExecution(b.executionArn!);
      const da = await client.send(new DescribeExecutionCommand({ executionArn: a.executionArn }));
      const db = await client.send(new DescribeExecutionCommand({ executionArn: b.executionArn }));
      expect(da.status).toBe('FAILED');
      expect(da.error).toBe('States.HeartbeatTimeout');
      expect(db.status).toBe('FAILED'); // States.TaskFailed does not match States.Timeout
      expect(db.error).toBe('States.Timeout');
    } finally {
      client.destroy();
      await local.stop();
    }
  });
});
