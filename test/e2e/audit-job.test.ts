/**
 * Verification as a job on the local runtime: POST /v1/audit/verifications runs the CDK-synthesized
 * audit verification state machine on aws-local-stepfunctions, day by day, and GET shows its
 * progress and its signed result. Past days are written straight into DynamoDB Local with the
 * adapter (a fixed clock), digested through the route once ended; today's digest is refused.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeleteItemCommand, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog, seqKey } from '#adapters/dynamodb/audit-log.ts';
import { buildDigest } from '#core/audit/digest.ts';
import { resultHash } from '#core/audit/signed-result.ts';
import { deps } from '#handlers/deps.ts';
import { signatureHolds } from '#core/audit/signature.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { pageCursors } from '#core/shared/page-cursor.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { assertContract } from '../support/contract.ts';

let runtime: LocalRuntime;
let auditor: string;
let operator: string;
const DAY = 86_400_000;
const midnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
// Three ended days, a week back: nothing else the runtime writes falls in them.
const days = [7, 6, 5].map((n) => new Date(midnight - n * DAY).toISOString().slice(0, 10));
const range = { from: `${days[0]}T00:00:00.000Z`, to: new Date(midnight - 4 * DAY).toISOString() };
const stream = (i: number) => `job-test:${i}`;

async function call(method: string, p: string, body?: unknown, token = auditor) {
  const res = await fetch(`${runtime.apiUrl}${p}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const json: any = await res.json();
  assertContract(method, p, res.status, res.headers.get('content-type'), json);
  return { status: res.status, body: json as any };
}

async function runJob(): Promise<any> {
  const started = await call('POST', '/v1/audit/verifications', range);
  expect(started).toMatchObject({ status: 202, body: { status: 'running', days: 3 } });
  const arn = `${runtime.env.AUDIT_VERIFICATION_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${started.body.id}`;
  await runtime.sfn.waitForExecution(arn);
  const done = await call('GET', started.body.location);
  expect(done.status).toBe(200);
  return done.body;
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  auditor = await signDevToken({ role: 'auditor' });
  operator = await signDevToken({ role: 'operator' });
  const clock = fixedClock(`${days[0]}T08:00:00.000Z`);
  const log = new DynamoAuditLog(
    DynamoDBDocumentClient.from(runtime.dynamo.client),
    runtime.tables.audit,
    pageCursors('audit-job-test'),
    clock,
  );
  for (let d = 0; d < 3; d++) {
    for (let i = 0; i < 12; i++) {
      await log.append({
        stream: stream(i % 4),
        actor: { role: 'system', principal: 'seed' },
        action: 'test.seeded',
        target: {},
        details: { d, i },
      });
      clock.advance(60_000);
    }
    clock.advance(DAY - 12 * 60_000);
  }
  for (const day of days) expect((await call('POST', '/v1/audit/digests', { day }, operator)).status).toBe(201);
}, 240_000);
afterAll(async () => {
  await runtime?.stop();
});

describe('digests of ended days only', () => {
  it("today's digest is refused with 422 and nothing is written", async () => {
    const today = new Date().toISOString().slice(0, 10);
    const res = await call('POST', '/v1/audit/digests', { day: today }, operator);
    expect(res).toMatchObject({ status: 422, body: { field: 'day' } });
    const { Item } = await runtime.dynamo.client.send(
      new GetItemCommand({ TableName: runtime.tables.audit, Key: { PK: { S: 'DIGEST' }, SK: { S: `DAY#${today}` } } }),
    );
    expect(Item).toBeUndefined();
  });
});

describe('offline: npm run audit:verify with the digests and the public key alone', () => {
  it('an export of the days, their archived digests and GET /v1/audit/keys verify; a digest forged without the key does not', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'custodian-audit-offline-'));
    const res = await fetch(
      `${runtime.apiUrl}/v1/audit/export?${new URLSearchParams({ ...range, format: 'ndjson' })}`,
      {
        headers: { authorization: `Bearer ${auditor}` },
      },
    );
    writeFileSync(path.join(dir, 'export.ndjson'), await res.text());
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify((await call('GET', '/v1/audit/keys')).body));
    // As archived: one file per day (digests/<day>.json in the write-once bucket).
    const digests = await (await deps()).audit.digests(days[0], days[2]);
    mkdirSync(path.join(dir, 'digests'));
    for (const d of digests) writeFileSync(path.join(dir, 'digests', `${d.day}.json`), JSON.stringify(d));
    const script = new URL('../../scripts/audit-verify.ts', import.meta.url).pathname;
    const run = () =>
      promisify(execFile)(process.execPath, [
        '--import',
        'tsx',
        script,
        '--complete',
        '--digests',
        path.join(dir, 'digests'),
        '--keys',
        path.join(dir, 'keys.json'),
        path.join(dir, 'export.ndjson'),
      ]).then(
        (r) => ({ code: 0, out: JSON.parse(r.stdout) }),
        (e) => ({ code: e.code as number, out: JSON.parse(e.stdout) }),
      );
    expect(await run()).toMatchObject({ code: 0, out: { ok: true, complete: true, digests: { ok: true, signed: 3 } } });

    // Someone who can write the table and the files but not use the key: a head moved back, hash and chain recomputed.
    const { signature, ...body } = digests[2];
    const heads = body.heads.map((h) => (h.stream === stream(3) ? { ...h, seq: h.seq - 1 } : h));
    const forged = { ...buildDigest(body.day, body.at, heads, digests[1]), signature };
    writeFileSync(path.join(dir, 'digests', `${body.day}.json`), JSON.stringify(forged));
    expect(await run()).toMatchObject({
      code: 1,
      out: { digests: { ok: false, firstBreak: { day: days[2], problem: 'signature-invalid' } } },
    });
  });
});

describe('verification as a job', () => {
  it('the synchronous route answers 422 for more than a day, naming the job route', async () => {
    const q = new URLSearchParams(range).toString();
    const res = await call('GET', `/v1/audit/verify?${q}`);
    expect(res.status).toBe(422);
    expect(JSON.stringify(res.body)).toContain('/v1/audit/verifications');
  });

  it('verifies three days, each from the day before, with a result signed by the audit key', async () => {
    const job = await runJob();
    expect(job).toMatchObject({
      status: 'succeeded',
      progress: { days: 3, verified: 3 },
      result: { ok: true, events: 36, streams: 12, digests: 3, undigested: [] },
    });
    const { keys } = (await call('GET', '/v1/audit/keys')).body;
    const { result } = job;
    expect(result.hash).toBe(resultHash({ id: job.id, from: job.from, to: job.to }, result));
    expect(signatureHolds(result.hash, result.signature, keys)).toBe(true);
    expect(
      signatureHolds(
        result.hash.replace(/^./, (c: string) => (c === '0' ? '1' : '0')),
        result.signature,
        keys,
      ),
    ).toBe(false);
  });

  it("the last event of a stream's middle day cut off → the job names the day, the stream and the missing head", async () => {
    // Stream 3 got events 4, 8, 12 of each day: seq 4-6 on the middle day.
    const Key = { PK: { S: `STREAM#${stream(3)}` }, SK: { S: seqKey(6) } };
    const { Item } = await runtime.dynamo.client.send(new GetItemCommand({ TableName: runtime.tables.audit, Key }));
    expect(Item).toBeDefined();
    await runtime.dynamo.client.send(new DeleteItemCommand({ TableName: runtime.tables.audit, Key }));
    try {
      const job = await runJob();
      expect(job).toMatchObject({
        status: 'succeeded',
        result: {
          ok: false,
          firstBreak: { day: days[1], digest: days[1], problem: 'head-missing', stream: stream(3), seq: 6 },
        },
      });
    } finally {
      await runtime.dynamo.client.send(new PutItemCommand({ TableName: runtime.tables.audit, Item: Item! }));
    }
  });

  it('an unknown job is a 404; a malformed id a 422; a non-auditor a 403', async () => {
    expect((await call('GET', '/v1/audit/verifications/01ARZ3NDEKTSV4RRFFQ69G5FAV')).status).toBe(404);
    expect((await call('GET', '/v1/audit/verifications/nope')).status).toBe(422);
    expect((await call('POST', '/v1/audit/verifications', range, operator)).status).toBe(403);
  });
});
