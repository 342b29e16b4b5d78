/**
 * The audit verification job's state machine as synthesized: Standard, traced, logged without
 * payloads; a Distributed Map over the days whose only task is VerifyAuditDay, then
 * FinishAuditVerification, also reached (with the error) when a day's step fails for good. Run
 * with stand-in tasks on aws-local-stepfunctions, as the local runtime runs it.
 */
import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { StateMachine } from 'aws-local-stepfunctions';
import { extractWorkflowDefinition, synthTemplates } from '#infra/synth.ts';
import { AUDIT_DAYS_AT_ONCE, AUDIT_VERIFICATION_WORKFLOW } from '#infra/constructs/audit-verification.ts';
import { auditVerificationTasks } from '#handlers/tasks/tasks.ts';
import { byMetadata, type Resource, type Template as Cfn } from './support.ts';

type AslValidator = (
  definition: object,
  opts?: { checkPaths?: boolean; checkArn?: boolean },
) => { isValid: boolean; errorsText: (separator?: string) => string };
const aslValidator = createRequire(import.meta.url)('asl-validator') as AslValidator;

let raw: Cfn;
let definition: any;

beforeAll(() => {
  raw = synthTemplates().stateless as Cfn;
  definition = extractWorkflowDefinition(raw, AUDIT_VERIFICATION_WORKFLOW).definition;
});

async function run(verifyDay: (input: { jobId: string; day: string }) => unknown) {
  const calls: [string, any][] = [];
  const record =
    (name: string, h: (i: any) => unknown) =>
    async (input: any): Promise<any> => (calls.push([name, input]), h(input));
  const machine = new StateMachine(definition, { validationOptions: { checkArn: true, checkPaths: true } });
  const output = await machine.run(
    { kind: 'verification', jobId: 'J', days: ['2026-03-01', '2026-03-02', '2026-03-03'] },
    {
      overrides: {
        taskResourceLocalHandlers: {
          VerifyAuditDay: record('VerifyAuditDay', verifyDay),
          FinishAuditVerification: record('FinishAuditVerification', () => ({ status: 'succeeded' })),
        },
        retryIntervalOverrides: { VerifyAuditDay: 0, FinishAuditVerification: 0 },
      },
    },
  ).result;
  return { output, calls };
}

describe('audit verification state machine', () => {
  it('is Standard, traced, logged without execution data', () => {
    const sm = raw.Resources![byMetadata(raw, 'custodian:workflow', AUDIT_VERIFICATION_WORKFLOW)] as Resource;
    expect(sm.Properties!.StateMachineType).toBe('STANDARD');
    expect(sm.Properties!.TracingConfiguration).toEqual({ Enabled: true });
    expect(sm.Properties!.LoggingConfiguration).toMatchObject({ Level: 'ALL', IncludeExecutionData: false });
  });

  it('passes asl-validator; a Distributed Map over $.days, bounded, whose one task is a day', () => {
    const result = aslValidator(definition, { checkPaths: true, checkArn: true });
    expect(result.errorsText('\n')).toBe('');
    const map = definition.States.VerifyDays;
    expect(map).toMatchObject({
      Type: 'Map',
      ItemsPath: '$.days',
      MaxConcurrency: AUDIT_DAYS_AT_ONCE,
      ItemProcessor: { ProcessorConfig: { Mode: 'DISTRIBUTED', ExecutionType: 'STANDARD' } },
    });
    expect(Object.keys(map.ItemProcessor.States)).toEqual(['VerifyAuditDay']);
    const tasks = [
      ...Object.entries(map.ItemProcessor.States as Record<string, any>),
      ...Object.entries(definition.States as Record<string, any>),
    ].filter(([, s]) => s.Type === 'Task');
    expect(tasks.map(([n]) => n).sort()).toEqual(Object.keys(auditVerificationTasks).sort());
  });

  it('runs each day once with the job id, then finishes with the job', async () => {
    const { calls } = await run(() => ({ ok: true }));
    expect(calls.filter(([n]) => n === 'VerifyAuditDay').map(([, i]) => i)).toEqual(
      ['2026-03-01', '2026-03-02', '2026-03-03'].map((day) => ({ kind: 'verification', jobId: 'J', day })),
    );
    expect(calls.at(-1)).toEqual([
      'FinishAuditVerification',
      { kind: 'verification', jobId: 'J', days: expect.any(Array) },
    ]);
  });

  it('a day that keeps failing (after its retries) still finishes the job, with the error name', async () => {
    let tries = 0;
    const { calls } = await run(({ day }) => {
      if (day !== '2026-03-02') return { ok: true };
      tries++;
      const e = new Error('throttled');
      e.name = 'ProvisionedThroughputExceededException';
      throw e;
    });
    // Once, then its three retries.
    expect(tries).toBe(4);
    expect(calls.at(-1)).toEqual([
      'FinishAuditVerification',
      { kind: 'verification', jobId: 'J', error: 'ProvisionedThroughputExceededException' },
    ]);
  });
});
