/**
 * No run of the synthesized state machine ends without a word on its request: every state that can
 * fail (PrepareRequest, the ExecuteSystems Map, Finalize) catches into RecordWorkflowFailure, run here on
 * aws-local-stepfunctions with stand-in tasks; the execution has a timeout; and an EventBridge rule on
 * the machine's FAILED, TIMED_OUT and ABORTED executions invokes the reconciler, retried, dead-lettered.
 */
import { StateMachine } from 'aws-local-stepfunctions';
import { beforeAll, describe, expect, it } from 'vitest';
import { badExecutionEnds } from '#handlers/events/events.ts';
import { WORKFLOW_TIMEOUT_DAYS } from '#infra/constructs/workflow.ts';
import { extractWorkflowDefinition, synthTemplates } from '#infra/synth.ts';
import { byMetadata, resources, type Template } from './support.ts';

type State = Record<string, any>;
let raw: Template;
let definition: { StartAt: string; TimeoutSeconds?: number; States: Record<string, State> };
let machineId: string;

beforeAll(() => {
  raw = synthTemplates().stateless as Template;
  const extracted = extractWorkflowDefinition(raw);
  definition = extracted.definition as typeof definition;
  machineId = extracted.logicalId;
}, 240_000);

const catchAll = { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordWorkflowFailure' };

describe('the definition', () => {
  it('PrepareRequest, the Map and Finalize catch everything into RecordWorkflowFailure, which ends the run failed', () => {
    for (const name of ['PrepareRequest', 'ExecuteSystems', 'Finalize'])
      expect(definition.States[name].Catch, name).toEqual([catchAll]);
    expect(definition.States.RecordWorkflowFailure).toMatchObject({
      Type: 'Task',
      Parameters: { 'requestId.$': '$.requestId', 'execution.$': '$$.Execution.Name', 'error.$': '$.error' },
      Next: 'WorkflowFailed',
    });
    expect(definition.States.WorkflowFailed).toMatchObject({ Type: 'Fail', Error: 'WorkflowFailed' });
  });

  it('a refused correction is not retried; other errors of PrepareRequest are', () => {
    const retries: { ErrorEquals: string[]; MaxAttempts?: number }[] = definition.States.PrepareRequest.Retry;
    const refused = retries.findIndex((r) => r.ErrorEquals.includes('CorrectionRefusedError'));
    const failed = retries.findIndex((r) => r.ErrorEquals.includes('States.TaskFailed'));
    expect(retries[refused]).toEqual({ ErrorEquals: ['CorrectionRefusedError'], MaxAttempts: 0 });
    // The first entry that matches decides: the refusal's comes before the catch-all.
    expect(refused).toBeLessThan(failed);
  });

  it(`times out after ${WORKFLOW_TIMEOUT_DAYS} days, longer than any wait a system may ask (30 days)`, () => {
    expect(definition.TimeoutSeconds).toBe(WORKFLOW_TIMEOUT_DAYS * 86_400);
    expect(WORKFLOW_TIMEOUT_DAYS * 86_400).toBeGreaterThan(30 * 86_400 + 3600);
  });
});

describe('runs that end badly (aws-local-stepfunctions, stand-in tasks)', () => {
  type Call = [state: string, input: any];
  let machine: StateMachine | undefined;
  const named = (name: string, message = name) => Object.assign(new Error(message), { name });

  /** Runs the synthesized definition; `failing` states always throw (an error named after the state, unless given). */
  async function run(failing: Record<string, Error>) {
    const calls: Call[] = [];
    const ok: Record<string, (i: any) => unknown> = {
      PrepareRequest: (i) => ({
        requestId: i.requestId,
        type: 'erasure',
        terminal: false,
        found: true,
        systems: [{ systemId: 'crm', mode: 'sync', waitSeconds: 0, heartbeatSeconds: 0 }],
      }),
      ExecuteSystem: (i) => ({ systemId: i.systemId, state: 'succeeded' }),
      AwaitSystem: () => ({}),
      RecordSystemFailure: (i) => ({ systemId: i.systemId, state: 'failed' }),
      Finalize: (i) => ({ requestId: i.requestId, status: 'completed' }),
      RecordWorkflowFailure: () => ({ recorded: true }),
    };
    const overrides = Object.fromEntries(
      Object.entries(ok).map(([name, h]) => [
        name,
        async (input: any) => {
          calls.push([name, input]);
          if (failing[name]) throw failing[name];
          return h(input) as any;
        },
      ]),
    );
    machine ??= new StateMachine(definition as any, { validationOptions: { checkArn: true, checkPaths: true } });
    const retryIntervalOverrides = Object.fromEntries(Object.keys(ok).map((n) => [n, 0]));
    const execution = machine.run(
      { requestId: 'r-1' },
      {
        overrides: { taskResourceLocalHandlers: overrides, retryIntervalOverrides },
        context: { Execution: { Name: 'r-1-retry-9' } },
      },
    );
    const outcome = await execution.result.then(
      (output) => ({ output, error: undefined as Error | undefined }),
      (error: Error) => ({ output: undefined, error }),
    );
    return { calls, ...outcome };
  }

  const count = (calls: Call[], name: string) => calls.filter(([n]) => n === name).length;
  const recorded = (calls: Call[]) => calls.filter(([n]) => n === 'RecordWorkflowFailure').map(([, i]) => i);

  it.each([
    { state: 'PrepareRequest', error: named('ProvisionedThroughputExceededException'), tries: 4 },
    { state: 'PrepareRequest', error: named('CorrectionRefusedError', 'corrections.phone: held'), tries: 1 },
    {
      state: 'Finalize',
      error: named('ConflictError', 'an identifier is already bound to another customer'),
      tries: 4,
    },
    // A system's failure that cannot even be recorded fails the Map: the run's Catch takes it.
    { state: 'RecordSystemFailure', error: named('ResourceNotFoundException'), tries: 4, also: 'ExecuteSystem' },
  ])(
    '$state throwing $error.name ($tries tries): recorded once with the run and the error, then the execution fails',
    async ({ state, error, tries, also }) => {
      const { calls, error: failed } = await run({
        [state]: error,
        ...(also ? { [also]: named('PermanentSystemError') } : {}),
      });
      expect(count(calls, state)).toBe(tries);
      expect(recorded(calls)).toEqual([
        { requestId: 'r-1', execution: 'r-1-retry-9', error: { Error: error.name, Cause: expect.any(String) } },
      ]);
      expect(failed?.name).toBe('ExecutionError');
      expect(String((failed as any)?.cause?.name ?? failed?.message)).toContain('WorkflowFailed');
      expect(count(calls, 'Finalize')).toBe(state === 'Finalize' ? tries : 0);
    },
  );

  it('a run that ends well records nothing', async () => {
    const { calls, output } = await run({});
    expect(recorded(calls)).toEqual([]);
    expect(output).toEqual({ requestId: 'r-1', status: 'completed' });
  });
});

describe('the reconciler of execution status changes (EventBridge)', () => {
  it('a rule on this state machine FAILED, TIMED_OUT and ABORTED executions invokes the WorkflowEnded function, retried, dead-lettered', () => {
    const rules = resources(raw, 'AWS::Events::Rule').filter(([, r]) => r.Properties!.EventPattern);
    const [, rule] = rules.find(([, r]) => r.Properties!.EventPattern.source?.[0] === 'aws.states')!;
    expect(rule.Properties!.EventPattern).toEqual({
      source: ['aws.states'],
      'detail-type': ['Step Functions Execution Status Change'],
      detail: { status: [...badExecutionEnds], stateMachineArn: [{ Ref: machineId }] },
    });
    expect(badExecutionEnds).toEqual(['FAILED', 'TIMED_OUT', 'ABORTED']);
    const fnId = byMetadata(raw, 'custodian:function', 'event:WorkflowEnded');
    expect(rule.Properties!.Targets).toEqual([
      expect.objectContaining({
        Arn: { 'Fn::GetAtt': [fnId, 'Arn'] },
        RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 86_400 },
        DeadLetterConfig: { Arn: expect.anything() },
      }),
    ]);
  });
});
