/**
 * The privacy-request state machine: Standard, logged without payloads, traced; its ASL (as the
 * local runtime extracts it) is valid, its states are the task table's, and it routes as designed
 * when run with stand-in tasks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { StateMachine } from 'aws-local-stepfunctions';
import { extractWorkflowDefinition, synthTemplates } from '#infra/synth.ts';
import { buildApp } from '#infra/custodian.ts';
import { DEFAULT_MAX_CONCURRENCY, MAX_CONCURRENCY_CONTEXT } from '#infra/constructs/workflow.ts';
import { busyErrors, transientErrors, workflowTasks } from '#handlers/tasks/tasks.ts';
import { byMetadata, resources, type Template as Cfn } from './support.ts';

// asl-validator ships CommonJS without type declarations.
type AslValidator = (
  definition: object,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errors: unknown[]; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

type State = Record<string, any>;
let raw: Cfn;
let definition: { StartAt: string; States: Record<string, State> };
let logicalId: string;

beforeAll(() => {
  raw = synthTemplates().stateless as Cfn;
  const extracted = extractWorkflowDefinition(raw);
  definition = extracted.definition as typeof definition;
  logicalId = extracted.logicalId;
});

/** Every state, Map processors included, by name. */
function allStates(states: Record<string, State>, out: Record<string, State> = {}): Record<string, State> {
  for (const [name, s] of Object.entries(states)) {
    expect(out[name], `state name ${name} used twice`).toBeUndefined();
    out[name] = s;
    const inner = s.ItemProcessor ?? s.Iterator;
    if (inner) allStates(inner.States, out);
    for (const b of s.Branches ?? []) allStates(b.States, out);
  }
  return out;
}

describe('state machine resource', () => {
  it('is one Standard state machine tagged privacy-request, logged without execution data, traced', () => {
    // Beside it, only the audit verification job's (test/infra/audit-verification.test.ts) and the ECIF load's.
    const machines = resources(raw, 'AWS::StepFunctions::StateMachine').filter(
      ([, r]) => !['audit-verification', 'ecif-load'].includes(r.Metadata?.['custodian:workflow'] as string),
    );
    expect(machines).toHaveLength(1);
    const [id, sm] = machines[0];
    expect(id).toBe(logicalId);
    expect(sm.Metadata?.['custodian:workflow']).toBe('privacy-request');
    expect(sm.Properties!.StateMachineType).toBe('STANDARD');
    expect(sm.Properties!.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });
});

describe('extracted ASL', () => {
  it('passes asl-validator, paths and ARNs checked', () => {
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    expect(result.isValid).toBe(true);
  });

  it('its Task states are exactly the keys of the task table, each invoking its own function', () => {
    const tasks = Object.entries(allStates(definition.States)).filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([n]) => n).sort()).toEqual(Object.keys(workflowTasks).sort());
    for (const [name, s] of tasks) {
      const fnId = byMetadata(raw, 'custodian:function', `task:${name}`);
      const arn = `arn:aws:lambda:us-east-1:000000000000:function:${fnId}`;
      // The waiting step invokes its function through the service integration that hands it a task token.
      if (name === 'AwaitSystem')
        expect([s.Resource, s.Parameters.FunctionName]).toEqual([
          'arn:aws:states:::lambda:invoke.waitForTaskToken',
          arn,
        ]);
      else expect(s.Resource).toBe(arn);
    }
  });

  it('has the designed shape', () => {
    const states = allStates(definition.States);
    expect(definition.StartAt).toBe('PrepareRequest');
    expect(states.PrepareRequest.Next).toBe('SystemsToRun?');
    expect(states['SystemsToRun?']).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          And: [
            { Variable: '$.terminal', BooleanEquals: false },
            { Variable: '$.found', BooleanEquals: true },
          ],
          Next: 'ExecuteSystems',
        },
      ],
      Default: 'Finalize',
    });
    expect(definition.States.ExecuteSystems).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.systems',
      ItemSelector: {
        'requestId.$': '$.requestId',
        'systemId.$': '$$.Map.Item.Value.systemId',
        'mode.$': '$$.Map.Item.Value.mode',
        'waitSeconds.$': '$$.Map.Item.Value.waitSeconds',
        'heartbeatSeconds.$': '$$.Map.Item.Value.heartbeatSeconds',
      },
      MaxConcurrency: DEFAULT_MAX_CONCURRENCY,
      ResultPath: null,
      Next: 'Finalize',
    });
    expect(definition.States.ExecuteSystems.ItemProcessor.StartAt).toBe('WaitsForAnswer?');
    expect(states['WaitsForAnswer?']).toMatchObject({
      Type: 'Choice',
      Choices: [
        {
          Or: [
            { Variable: '$.mode', StringEquals: 'callback' },
            { Variable: '$.mode', StringEquals: 'operator' },
          ],
          Next: 'AwaitSystem',
        },
      ],
      Default: 'ExecuteSystem',
    });
    // A callback or an operator's task waits as long as the system's registration says, with a heartbeat.
    expect(states.AwaitSystem).toMatchObject({
      TimeoutSecondsPath: '$.waitSeconds',
      HeartbeatSecondsPath: '$.heartbeatSeconds',
      ResultPath: null,
      Parameters: {
        Payload: { 'requestId.$': '$.requestId', 'systemId.$': '$.systemId', 'taskToken.$': '$$.Task.Token' },
      },
      Catch: [{ ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordSystemFailure' }],
    });
    expect(states.AwaitSystem.Retry).toContainEqual({
      ErrorEquals: [...transientErrors],
      IntervalSeconds: 2,
      BackoffRate: 2,
      MaxAttempts: 4,
    });
    expect(states.ExecuteSystem.Retry).toContainEqual({
      ErrorEquals: [...transientErrors],
      IntervalSeconds: 2,
      BackoffRate: 2,
      MaxAttempts: 4,
    });
    // A system whose slots stayed taken: retried apart from faults, longer and with jitter.
    for (const name of ['ExecuteSystem', 'AwaitSystem']) {
      expect(states[name].Retry, name).toContainEqual({
        ErrorEquals: [...busyErrors],
        IntervalSeconds: 5,
        BackoffRate: 1.5,
        MaxDelaySeconds: 60,
        JitterStrategy: 'FULL',
        MaxAttempts: 25,
      });
    }
    expect(states.ExecuteSystem.Catch).toEqual([
      { ErrorEquals: ['States.ALL'], ResultPath: '$.error', Next: 'RecordSystemFailure' },
    ]);
    expect(states.RecordSystemFailure.Parameters).toEqual({
      'requestId.$': '$.requestId',
      'systemId.$': '$.systemId',
      'error.$': '$.error',
    });
    expect(states.Finalize).toMatchObject({ End: true, Parameters: { 'requestId.$': '$.requestId' } });
    // payloadResponseOnly: the function's result is the state output, no Lambda envelope to unwrap.
    for (const name of Object.keys(workflowTasks))
      if (name !== 'AwaitSystem') expect(states[name].Resource).not.toContain(':states:::lambda:invoke');
  });
});

describe("the Map's max concurrency (CDK context custodian:maxConcurrency)", () => {
  /** The ExecuteSystems Map's MaxConcurrency in the template synthesized with this context. */
  function mapConcurrencyWith(context: Record<string, unknown>): number {
    const outdir = mkdtempSync(path.join(tmpdir(), 'custodian-cdk-'));
    try {
      const app = new App({ outdir, context: { 'aws:cdk:bundling-stacks': [], ...context } });
      const template = Template.fromStack(buildApp(app).stateless).toJSON() as Cfn;
      return (extractWorkflowDefinition(template).definition as typeof definition).States.ExecuteSystems.MaxConcurrency;
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }

  it("defaults to 40, the inline Map's ceiling: 25 systems of one request run at once", () => {
    expect(DEFAULT_MAX_CONCURRENCY).toBe(40);
    expect(definition.States.ExecuteSystems.MaxConcurrency).toBe(40);
  });

  it('takes the context value, as a number or as the string `cdk -c` passes', () => {
    expect(mapConcurrencyWith({ [MAX_CONCURRENCY_CONTEXT]: 12 })).toBe(12);
    expect(mapConcurrencyWith({ [MAX_CONCURRENCY_CONTEXT]: '25' })).toBe(25);
  });

  it('refuses what an inline Map cannot do, naming the key', () => {
    for (const bad of [0, 41, 2.5, 'many', -1]) {
      const app = new App({ context: { 'aws:cdk:bundling-stacks': [], [MAX_CONCURRENCY_CONTEXT]: bad } });
      expect(() => buildApp(app), String(bad)).toThrow(/custodian:maxConcurrency must be an integer from 1 to 40/);
    }
  });
});

describe('runs as designed (aws-local-stepfunctions, stand-in tasks)', () => {
  type Call = [state: string, input: any];

  async function run(behaviour: {
    terminal?: boolean;
    found?: boolean;
    systems?: string[];
    failing?: Record<string, number | 'always'>;
    finalizeFailures?: number;
    onFinalize?: () => void;
  }) {
    const calls: Call[] = [];
    const attempts: Record<string, number> = {};
    const handlers: Record<string, (input: any) => unknown> = {
      PrepareRequest: (i) => ({
        requestId: i.requestId,
        type: 'erasure',
        terminal: behaviour.terminal ?? false,
        found: !behaviour.terminal && (behaviour.found ?? true),
        systems:
          behaviour.terminal || behaviour.found === false
            ? []
            : (behaviour.systems ?? []).map((systemId) => ({
                systemId,
                mode: 'sync',
                waitSeconds: 0,
                heartbeatSeconds: 0,
              })),
      }),
      ExecuteSystem: (i) => {
        attempts[i.systemId] = (attempts[i.systemId] ?? 0) + 1;
        const failing = behaviour.failing?.[i.systemId];
        if (failing === 'always' || (failing !== undefined && attempts[i.systemId] <= failing)) {
          const e = new Error(`${i.systemId} is down`);
          e.name = failing === 'always' ? 'PermanentSystemError' : transientErrors[0];
          throw e;
        }
        return { systemId: i.systemId, state: 'succeeded' };
      },
      RecordSystemFailure: () => ({ recorded: true }),
      Finalize: (i) => {
        behaviour.onFinalize?.();
        if ((behaviour.finalizeFailures ?? 0) > 0) {
          behaviour.finalizeFailures!--;
          throw new Error('ProvisionedThroughputExceededException midway');
        }
        return { requestId: i.requestId, status: 'completed' };
      },
    };
    const overrides = Object.fromEntries(
      Object.entries(handlers).map(([name, h]) => [
        name,
        async (input: any) => (calls.push([name, input]), h(input)) as any,
      ]),
    );
    const machine = new StateMachine(definition as any, { validationOptions: { checkArn: true, checkPaths: true } });
    const execution = machine.run(
      { requestId: 'r-1' },
      {
        overrides: {
          taskResourceLocalHandlers: overrides,
          retryIntervalOverrides: { ExecuteSystem: 0, PrepareRequest: 0, Finalize: 0 },
        },
      },
    );
    const output = await execution.result;
    return { output, calls, attempts };
  }

  const names = (calls: Call[]) => calls.map(([n]) => n);

  it('every non-system step retries task errors: it is idempotent', () => {
    const states = allStates(definition.States);
    for (const name of ['PrepareRequest', 'RecordSystemFailure', 'Finalize']) {
      expect(states[name].Retry, name).toContainEqual({
        ErrorEquals: ['States.TaskFailed'],
        IntervalSeconds: 1,
        BackoffRate: 2,
        MaxAttempts: 3,
      });
    }
    // A permanent system error is not retried: it is recorded.
    expect(JSON.stringify(states.ExecuteSystem.Retry)).not.toContain('States.TaskFailed');
  });

  it('a step that throws midway is retried and the request still completes once', async () => {
    let finalizeAttempts = 0;
    const { output, calls } = await run({
      systems: ['crm'],
      finalizeFailures: 2,
      onFinalize: () => finalizeAttempts++,
    });
    expect(finalizeAttempts).toBe(3);
    expect(output).toEqual({ requestId: 'r-1', status: 'completed' });
    expect(names(calls).filter((n) => n === 'ExecuteSystem')).toHaveLength(1);
  });

  it('a terminal request goes straight to Finalize', async () => {
    const { calls, output } = await run({ terminal: true });
    expect(names(calls)).toEqual(['PrepareRequest', 'Finalize']);
    expect(calls[1][1]).toEqual({ requestId: 'r-1' });
    expect(output).toEqual({ requestId: 'r-1', status: 'completed' });
  });

  it('no subject found: finalized without planning', async () => {
    const { calls } = await run({ found: false });
    expect(names(calls)).toEqual(['PrepareRequest', 'Finalize']);
  });

  it('each planned system gets {requestId, systemId}; transient errors are retried; a failure is recorded and the rest go on', async () => {
    const { calls, attempts } = await run({
      systems: ['crm', 'core-banking', 'warehouse'],
      failing: { 'core-banking': 2, warehouse: 'always' },
    });
    const executed = calls.filter(([n]) => n === 'ExecuteSystem').map(([, i]) => i);
    for (const input of executed)
      expect(Object.keys(input).sort()).toEqual(['heartbeatSeconds', 'mode', 'requestId', 'systemId', 'waitSeconds']);
    expect(attempts).toEqual({ crm: 1, 'core-banking': 3, warehouse: 1 });
    const recorded = calls.filter(([n]) => n === 'RecordSystemFailure').map(([, i]) => i);
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      requestId: 'r-1',
      systemId: 'warehouse',
      error: { Error: 'PermanentSystemError' },
    });
    expect(names(calls).at(-1)).toBe('Finalize');
    expect(calls.at(-1)![1]).toEqual({ requestId: 'r-1' });
  });
});

describe('extractWorkflowDefinition', () => {
  const machine = (definitionString: unknown, workflow = 'privacy-request') => ({
    Resources: {
      Fn1: { Type: 'AWS::Lambda::Function' },
      Sm: {
        Type: 'AWS::StepFunctions::StateMachine',
        Metadata: { 'custodian:workflow': workflow },
        Properties: { DefinitionString: definitionString },
      },
    },
  });

  it('replaces GetAtt/Ref tokens with deterministic fake ARNs and pseudo parameters with local values', () => {
    const { definition: d, logicalId: id } = extractWorkflowDefinition(
      machine({
        'Fn::Join': [
          '',
          [
            '{"StartAt":"A","States":{"A":{"Type":"Task","Resource":"',
            { 'Fn::GetAtt': ['Fn1', 'Arn'] },
            '","Next":"B"},"B":{"Type":"Task","Resource":"arn:',
            { Ref: 'AWS::Partition' },
            ':states:::lambda:invoke","Parameters":{"FunctionName":"',
            { Ref: 'Fn1' },
            '"},"End":true}}}',
          ],
        ],
      }),
    );
    expect(id).toBe('Sm');
    expect(d).toEqual({
      StartAt: 'A',
      States: {
        A: { Type: 'Task', Resource: 'arn:aws:lambda:us-east-1:000000000000:function:Fn1', Next: 'B' },
        B: {
          Type: 'Task',
          Resource: 'arn:aws:states:::lambda:invoke',
          Parameters: { FunctionName: 'arn:aws:lambda:us-east-1:000000000000:function:Fn1' },
          End: true,
        },
      },
    });
  });

  it('accepts a plain string definition', () => {
    const { definition: d } = extractWorkflowDefinition(
      machine('{"StartAt":"P","States":{"P":{"Type":"Pass","End":true}}}'),
    );
    expect(d).toEqual({ StartAt: 'P', States: { P: { Type: 'Pass', End: true } } });
  });

  it('fails when no state machine carries the metadata', () => {
    expect(() => extractWorkflowDefinition(machine('{}', 'other'))).toThrow(/custodian:workflow=privacy-request/);
  });
});
