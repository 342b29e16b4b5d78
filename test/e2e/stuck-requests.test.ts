/**
 * No request is left in a working status, end to end on the local runtime (DynamoDB Local, the
 * synthesized state machine, the real handlers): a rectification the ECIF would refuse is a 422 at
 * submission naming the field; one that becomes refusable while it runs, a refused one of an anonymous
 * requester, an aborted execution and a timed-out one each leave the request needing attention with
 * the cause, and the operator can retry or deny it.
 */
import { SFNClient, StopExecutionCommand } from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '#handlers/deps.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { STATE_MACHINE_ARN, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';
import { submitVerified } from '../support/requester.ts';

/** Every execution of this runtime times out after this long: the last test waits for one that does. */
const WORKFLOW_TIMEOUT_SECONDS = 15;

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};
const api = contractClient(() => runtime.apiUrl);
let timingOut: string;
let timingOutSince: number;

type View = { id: string; status: string; outcome?: { result: string; reasons: string[] }; systems?: any[] };
const working = (r: View) => ['received', 'in_progress'].includes(r.status);
const waitsForOperator = (r: View) => !!r.systems?.some((s) => s.state === 'waiting');

async function settled(id: string, until: (r: View) => boolean = (r) => !working(r), tries = 600): Promise<View> {
  for (let i = 0; i < tries; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator });
    if (until(r.body)) return r.body;
    await new Promise((res) => setTimeout(res, 100));
  }
  throw new Error(`request ${id} did not get there`);
}

const emailOf = (ecifId: string) => `${ecifId.toLowerCase()}@example.org`;

async function customer(ecifId: string, phones: string[] = []) {
  const put = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
    token: tokens.steward,
    body: {
      name: { given: 'Test', family: 'Subject' },
      emails: [emailOf(ecifId)],
      phones,
      crossReferences: [{ systemId: 'paper-archive', localId: `BOX-${ecifId}` }],
    },
  });
  expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
}

async function submitAs(ecifId: string, body: Record<string, unknown>) {
  const token = await signDevToken({ role: 'customer', sub: ecifId });
  return api('POST', '/v1/privacy-requests', {
    token,
    body: { jurisdiction: 'GDPR', identifiers: { email: emailOf(ecifId) }, ...body },
  });
}

beforeAll(async () => {
  runtime = await startLocalRuntime({
    port: 0,
    retryIntervalMs: 5,
    workflowTimeoutSeconds: WORKFLOW_TIMEOUT_SECONDS,
    webPages: false,
  });
  for (const role of ['steward', 'operator'] as const) tokens[role] = await signDevToken({ role });
  // A system only a person can act on: a run waits on it as long as the test wants.
  const put = await api('PUT', '/v1/systems/paper-archive', {
    token: tokens.operator,
    body: {
      name: 'Branch paper archive',
      connector: { kind: 'manual', timeoutDays: 5 },
      capabilities: ['erase', 'rectify'],
      fields: [{ name: 'phone', category: 'contact', strategy: 'null' }],
    },
  });
  expect(put.status).toBeLessThan(300);
  // Started first, checked last: its execution is left waiting until the state machine's timeout.
  await customer('C920009');
  const submitted = await submitAs('C920009', { type: 'erasure' });
  timingOut = submitted.body.id;
  timingOutSince = Date.now();
  await customer('C920002', ['+442079460777']);
}, 180_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('rectification: corrections the ECIF would refuse are refused at submission', () => {
  it.each([
    { case: 'a phone of two digits', corrections: { phone: '47' }, field: 'corrections.phone' },
    { case: 'an email that is not one', corrections: { email: 'not-an-address' }, field: 'corrections.email' },
    { case: "another customer's phone", corrections: { phone: '+44 20 7946 0777' }, field: 'corrections.phone' },
  ])('$case: 422 naming $field, never the value; nothing stored', async ({ corrections, field }) => {
    await customer('C920001');
    const d = await deps();
    const before = (await d.requests.list({ statuses: ['received', 'in_progress'] }, { limit: 100 })).items.length;
    const res = await submitAs('C920001', { type: 'rectification', corrections });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ status: 422, field });
    expect(JSON.stringify(res.body)).not.toContain(Object.values(corrections)[0]);
    const after = (await d.requests.list({ statuses: ['received', 'in_progress'] }, { limit: 100 })).items.length;
    expect(after).toBe(before);
  });
});

describe('runs that end without Finalize leave the request needing attention, with the cause', () => {
  it('Finalize refused by the ECIF (the value was bound elsewhere meanwhile): needs attention; retry and deny work', async () => {
    await customer('C920003');
    const submitted = await submitAs('C920003', { type: 'rectification', corrections: { phone: '+442079460888' } });
    expect(submitted.status).toBe(202);
    const id = submitted.body.id as string;
    await settled(id, waitsForOperator);
    // While the archive is being corrected, a steward gives that phone to someone else.
    await customer('C920004', ['+442079460888']);
    const done = await api('POST', `/v1/privacy-requests/${id}/systems/paper-archive/complete`, {
      token: tokens.operator,
      body: { outcome: 'done', evidence: { reference: 'LETTER-88' } },
    });
    expect(done.status).toBe(200);
    const stuck = await settled(id);
    expect(stuck).toMatchObject({
      status: 'needs_attention',
      outcome: {
        result: 'workflow_failed',
        reasons: [
          'the workflow stopped at a step that failed after its retries (ConflictError: an identifier is already bound to another customer)',
        ],
      },
    });
    // Retried: the run ends the same way (the ECIF still refuses), and says so again.
    const retried = await api('POST', `/v1/privacy-requests/${id}/retry`, { token: tokens.operator });
    expect(retried.status).toBeLessThan(300);
    expect((await settled(id, (r) => r.status === 'needs_attention' && !working(r))).status).toBe('needs_attention');
    const denied = await api('POST', `/v1/privacy-requests/${id}/deny`, {
      token: tokens.operator,
      body: { reason: 'rights_of_others', detail: 'The corrected phone number belongs to another customer.' },
    });
    expect(denied.status).toBe(200);
    expect(denied.body.status).toBe('denied');
  });

  it("an anonymous requester's correction another customer holds: stopped before any system is asked", async () => {
    await customer('C920005');
    const { id } = await submitVerified(
      runtime.apiUrl,
      {
        type: 'rectification',
        jurisdiction: 'GDPR',
        identifiers: { email: emailOf('C920005') },
        corrections: { phone: '+442079460777' },
      },
      emailOf('C920005'),
    );
    const stuck = await settled(id);
    expect(stuck.status).toBe('needs_attention');
    expect(stuck.outcome!.reasons[0]).toMatch(/CorrectionRefusedError: corrections\.phone: /);
    expect(JSON.stringify(stuck)).not.toContain('7946');
    expect(stuck.systems).toEqual([]);
  });

  it('an execution stopped by hand (ABORTED): reconciled, needs attention', async () => {
    await customer('C920006');
    const id = (await submitAs('C920006', { type: 'erasure' })).body.id as string;
    await settled(id, waitsForOperator);
    const sfn = new SFNClient({ endpoint: runtime.env.AWS_ENDPOINT_URL_SFN, region: 'us-east-1' });
    await sfn.send(
      new StopExecutionCommand({ executionArn: `${STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}` }),
    );
    const stuck = await settled(id);
    expect(stuck).toMatchObject({
      status: 'needs_attention',
      outcome: { result: 'workflow_failed', reasons: ['the workflow execution was stopped'] },
    });
    const trail = await (await deps()).audit.stream(`request:${id}`);
    expect(trail.filter((e) => e.action === 'request.run_failed').map((e) => e.details)).toEqual([
      { ended: 'aborted', from: 'in_progress' },
    ]);
  });

  it('an execution past the state machine timeout (TIMED_OUT): reconciled, needs attention', async () => {
    const stuck = await settled(timingOut, (r) => !working(r), WORKFLOW_TIMEOUT_SECONDS * 20);
    expect(Date.now() - timingOutSince).toBeGreaterThanOrEqual(WORKFLOW_TIMEOUT_SECONDS * 1000 - 1000);
    expect(stuck).toMatchObject({
      status: 'needs_attention',
      outcome: { result: 'workflow_failed', reasons: ['the workflow execution timed out (States.Timeout)'] },
    });
  }, 120_000);
});
