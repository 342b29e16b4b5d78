/**
 * Exports as a job on the local runtime: POST /v1/audit/exports runs the CDK-synthesized export
 * state machine on aws-local-stepfunctions, one NDJSON.gz part per day in the local S3 bucket, then
 * a signed manifest; GET gives presigned links. The downloaded files verify offline with the
 * public key alone (npm run audit:verify -- --manifest); a forged part or manifest does not.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
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
// Three ended days, ten days back: nothing else the runtime writes falls in them.
const days = [10, 9, 8].map((n) => new Date(midnight - n * DAY).toISOString().slice(0, 10));
const range = { from: `${days[0]}T00:00:00.000Z`, to: new Date(midnight - 7 * DAY).toISOString() };
const stream = (i: number) => `export-job-test:${i}`;

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

async function runExport(body: object): Promise<any> {
  const started = await call('POST', '/v1/audit/exports', body);
  expect(started).toMatchObject({ status: 202, body: { status: 'running', days: 3 } });
  const arn = `${runtime.env.AUDIT_VERIFICATION_STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${started.body.id}`;
  await runtime.sfn.waitForExecution(arn);
  const done = await call('GET', started.body.location);
  expect(done.status).toBe(200);
  return done.body;
}

const script = new URL('../../scripts/audit-verify.ts', import.meta.url).pathname;
const verify = (args: string[]) =>
  promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...args]).then(
    (r) => ({ code: 0, out: JSON.parse(r.stdout) }),
    (e: { code: number; stdout: string }) => ({ code: e.code, out: JSON.parse(e.stdout) }),
  );

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  auditor = await signDevToken({ role: 'auditor' });
  operator = await signDevToken({ role: 'operator' });
  const clock = fixedClock(`${days[0]}T08:00:00.000Z`);
  const log = new DynamoAuditLog(
    DynamoDBDocumentClient.from(runtime.dynamo.client),
    runtime.tables.audit,
    pageCursors('audit-export-job-test'),
    clock,
  );
  for (let d = 0; d < 3; d++) {
    for (let i = 0; i < 12; i++) {
      await log.append({
        stream: stream(i % 4),
        actor: { role: 'system', principal: 'seed' },
        action: i % 3 === 0 ? 'test.refused' : 'test.seeded',
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

describe('POST /v1/audit/exports', () => {
  let dir: string;
  let status: any;

  beforeAll(async () => {
    status = await runExport(range);
    dir = mkdtempSync(path.join(tmpdir(), 'custodian-export-job-'));
    const name = (url: string) => decodeURIComponent(new URL(url).pathname.split('/').at(-1)!);
    for (const url of [status.manifest, ...status.parts.map((p: { url: string }) => p.url)])
      writeFileSync(path.join(dir, name(url)), Buffer.from(await (await fetch(url)).arrayBuffer()));
    writeFileSync(path.join(dir, 'keys.json'), JSON.stringify((await call('GET', '/v1/audit/keys')).body));
  }, 120_000);

  it('writes one part per day with its line count and hash, and a signed manifest naming the digests', () => {
    expect(status).toMatchObject({ status: 'succeeded', progress: { days: 3, written: 3 } });
    expect(status.parts.map((p: any) => [p.day, p.lines])).toEqual(days.map((d) => [d, 12]));
    const manifest = JSON.parse(readFileSync(path.join(dir, `${status.id}.json`), 'utf8'));
    expect(manifest.digests.map((d: any) => d.day)).toEqual(days);
    expect(manifest.signature).toMatchObject({ alg: 'ES256' });
    const lines = gunzipSync(readFileSync(path.join(dir, `part-${days[1]}.ndjson.gz`)))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    expect(lines.map((l) => JSON.parse(l).details.d)).toEqual(Array(12).fill(1));
  });

  it('verifies offline with the public key alone', async () => {
    const res = await verify([
      '--manifest',
      path.join(dir, `${status.id}.json`),
      '--keys',
      path.join(dir, 'keys.json'),
    ]);
    expect(res).toMatchObject({ code: 0, out: { ok: true, parts: 3, signed: true, events: { ok: true, events: 36 } } });
  });

  it('a part forged (an event dropped, re-gzipped) fails its hash; a manifest edited to match fails its signature', async () => {
    const forged = mkdtempSync(path.join(tmpdir(), 'custodian-export-forged-'));
    const manifest = JSON.parse(readFileSync(path.join(dir, `${status.id}.json`), 'utf8'));
    for (const p of manifest.parts)
      writeFileSync(
        path.join(forged, `part-${p.day}.ndjson.gz`),
        readFileSync(path.join(dir, `part-${p.day}.ndjson.gz`)),
      );
    const part = path.join(forged, `part-${days[2]}.ndjson.gz`);
    const kept = gunzipSync(readFileSync(part)).toString('utf8').trimEnd().split('\n').slice(0, -1);
    const bytes = gzipSync(`${kept.join('\n')}\n`);
    writeFileSync(part, bytes);
    writeFileSync(path.join(forged, 'manifest.json'), JSON.stringify(manifest));
    const keys = ['--keys', path.join(dir, 'keys.json')];
    const partForged = await verify(['--manifest', path.join(forged, 'manifest.json'), ...keys]);
    expect(partForged).toMatchObject({
      code: 1,
      out: { ok: false, firstBreak: { problem: 'part-hash-mismatch', day: days[2] } },
    });

    // The forger rewrites the manifest to the new part and recomputes its hash, but cannot sign.
    const { manifestHash } = await import('#core/audit/export-job.ts');
    const { createHash } = await import('node:crypto');
    const edited = {
      ...manifest,
      parts: manifest.parts.map((p: any) =>
        p.day === days[2] ? { ...p, lines: 11, sha256: createHash('sha256').update(bytes).digest('hex') } : p,
      ),
    };
    edited.hash = manifestHash(edited);
    writeFileSync(path.join(forged, 'manifest.json'), JSON.stringify(edited));
    const manifestForged = await verify(['--manifest', path.join(forged, 'manifest.json'), ...keys]);
    expect(manifestForged).toMatchObject({ code: 1, out: { ok: false, firstBreak: { problem: 'signature-invalid' } } });
    // Without the key the forgery is whole (hashes agree): the signature is what catches it.
    const unsigned = await verify(['--manifest', path.join(forged, 'manifest.json')]);
    expect(unsigned).toMatchObject({ code: 0, out: { ok: true, signed: false } });
  }, 60_000);

  it('a filter exports only what it names, and the refusal of a hostile body changes nothing', async () => {
    const filtered = await runExport({ ...range, filter: { action: 'test.refused' } });
    expect(filtered.parts.map((p: any) => p.lines)).toEqual([4, 4, 4]);
    const bad = await call('POST', '/v1/audit/exports', { ...range, filter: { action: "x'; DROP" } });
    expect(bad.status).toBe(422);
    expect(JSON.stringify(bad.body)).not.toContain('DROP');
  }, 120_000);
});
