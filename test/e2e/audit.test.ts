/**
 * The audit log as an auditor uses it, on the local runtime: search, verify, export, verify the
 * export offline; and tampering done directly in the DynamoDB table (edit, delete, insert,
 * reorder, truncate) is detected. No personal data in audit items or log lines.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DeleteItemCommand,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
  type AttributeValue,
} from '@aws-sdk/client-dynamodb';
import { GetObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { verifyExport } from '#core/audit/verify-export.ts';
import { signatureHolds } from '#core/audit/signature.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { submitVerified } from '../support/requester.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { assertContract } from '../support/contract.ts';
import { logger } from '#handlers/middleware/logging.ts';

// Log lines are part of what must hold no personal data: keep them, and capture them.
process.env.LOG_LEVEL = 'info';
// The logger may already exist (the runtime's JWT check imports it before this line runs): set its level too.
logger.setLogLevel('INFO');
const logged: string[] = [];
const write = process.stdout.write.bind(process.stdout);
process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
  logged.push(String(chunk));
  return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
}) as typeof process.stdout.write;

let runtime: LocalRuntime;
let demo: Demo;
let auditor: string;
let operator: string;
let requestId: string;
// A customer of the two sync systems (the async marketing platform's steps are in async-systems.test.ts).
const erased = () => demo.customers.find((c) => c.crm && c.coreBanking && !c.marketing && c.ecifId !== 'C000001')!;
const from = new Date(Date.now() - 3_600_000).toISOString();
const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);

async function get(p: string, token = auditor) {
  const res = await fetch(`${runtime.apiUrl}${p}`, { headers: { authorization: `Bearer ${token}` } });
  const type = res.headers.get('content-type');
  const text = await res.text();
  const body =
    type?.startsWith('application/json') || type?.startsWith('application/problem+json') ? JSON.parse(text) : text;
  assertContract('GET', p, res.status, type, body);
  return { status: res.status, body, type };
}

const verify = async () => (await get(`/v1/audit/verify?from=${encodeURIComponent(from)}`)).body;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 8, seed: 5 });
  auditor = await signDevToken({ role: 'auditor' });
  operator = await signDevToken({ role: 'operator' });
  requestId = (
    await submitVerified(
      runtime.apiUrl,
      { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: erased().email } },
      erased().email,
    )
  ).id;
  await runtime.sfn.waitForExecution(
    `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${requestId}`,
  );
}, 120_000);
afterAll(async () => {
  process.stdout.write = write;
  await demo?.stop();
  await runtime?.stop();
});

describe('search', () => {
  it('finds a request trail by request id, in order, and pages it with an opaque cursor', async () => {
    const all = await get(`/v1/audit/events?from=${encodeURIComponent(from)}&requestId=${requestId}`);
    expect(all.status).toBe(200);
    expect(all.body.items.map((e: { action: string }) => e.action)).toEqual([
      'request.received',
      'request.verified',
      'request.started',
      'request.subject_resolved',
      'request.planned',
      'request.system_succeeded',
      'request.system_succeeded',
      // Core banking's AML fields get their follow-up erasure.
      'request.follow_up_scheduled',
      'request.finalized',
    ]);
    const paged: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await get(
        `/v1/audit/events?from=${encodeURIComponent(from)}&requestId=${requestId}&limit=3${cursor ? `&cursor=${cursor}` : ''}`,
      );
      paged.push(...page.body.items.map((e: { seq: number }) => e.seq));
      cursor = page.body.next;
    } while (cursor);
    expect(paged).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('filters by action and by subject across streams, by day', async () => {
    const finalized = await get(`/v1/audit/events?from=${encodeURIComponent(from)}&action=request.finalized`);
    expect(finalized.body.items.length).toBeGreaterThanOrEqual(1);
    expect(finalized.body.items.every((e: { action: string }) => e.action === 'request.finalized')).toBe(true);
    const subject = await get(`/v1/audit/events?from=${encodeURIComponent(from)}&ecifId=${erased().ecifId}&limit=1000`);
    const streams = new Set(subject.body.items.map((e: { stream: string }) => e.stream));
    expect(streams).toEqual(new Set([`ecif:${erased().ecifId}`, `request:${requestId}`]));
  });

  it('refuses bad ranges and cursors with 422, and non-auditors with 403', async () => {
    expect((await get('/v1/audit/events?from=yesterday')).status).toBe(422);
    expect((await get(`/v1/audit/events?from=${encodeURIComponent(from)}&cursor=not-ours`)).status).toBe(422);
    expect((await get('/v1/audit/verify?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).status).toBe(422);
    expect((await get(`/v1/audit/verify?from=${encodeURIComponent(from)}`, operator)).status).toBe(403);
  });
});

describe('verify and export', () => {
  it('verifies the untouched log (today has no digest yet: a digest is for a day that has ended)', async () => {
    const report = await verify();
    expect(report).toMatchObject({ ok: true, digests: 0 });
    expect(report.checked).toBeGreaterThan(10);
    expect(report.firstBreak).toBeUndefined();
  });

  it("the scheduled digest job archives the day's digest in the digest bucket (S3; Object Lock in AWS), signed", async () => {
    const { handler } = await import('#handlers/scheduled/audit-digest.ts');
    const { hash } = await handler({ day: yesterday });
    const s3 = new S3Client({ forcePathStyle: true });
    const object = await s3.send(
      new GetObjectCommand({ Bucket: runtime.env.DIGEST_BUCKET, Key: `digests/${yesterday}.json` }),
    );
    const archived = JSON.parse(await object.Body!.transformToString());
    expect(archived).toMatchObject({ day: yesterday, hash, signature: { alg: 'ES256' } });
    const { keys } = (await get('/v1/audit/keys')).body;
    expect(signatureHolds(hash, archived.signature, keys)).toBe(true);
  });

  it('exports NDJSON that verifies offline with nothing of ours running, and CSV with the chain fields', async () => {
    const exported = await get(`/v1/audit/export?from=${encodeURIComponent(from)}&format=ndjson`);
    expect(exported.type).toBe('application/x-ndjson');
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'custodian-audit-')), 'export.ndjson');
    writeFileSync(file, exported.body);
    const script = new URL('../../scripts/audit-verify.ts', import.meta.url).pathname;
    const ok = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, file]);
    expect(JSON.parse(ok.stdout)).toMatchObject({ ok: true });

    const lines = exported.body.trim().split('\n');
    const forged = lines.map((l: string, i: number) =>
      i === 3 ? l.replace(/"action":"[^"]+"/, '"action":"request.forged"') : l,
    );
    expect(await verifyExport(forged)).toMatchObject({ ok: false, firstBreak: { line: 4, problem: 'hash-mismatch' } });
    const dropped = lines.filter((l: string) => {
      const e = JSON.parse(l);
      return !(e.stream === `request:${requestId}` && e.seq === 3);
    });
    expect(dropped).toHaveLength(lines.length - 1);
    expect((await verifyExport(dropped)).firstBreak).toMatchObject({
      stream: `request:${requestId}`,
      problem: 'sequence-gap',
    });
    writeFileSync(file, forged.join('\n'));
    const bad = await promisify(execFile)(process.execPath, ['--import', 'tsx', script, file]).catch((e) => e);
    expect(bad.code).toBe(1);

    const csv = await get(`/v1/audit/export?from=${encodeURIComponent(from)}&format=csv`);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.body.split('\n')[0]).toBe('stream,seq,at,actor,action,target,details,prevHash,hash');
  });
});

describe('tampering in the table is detected', () => {
  const key = (seq: number) => ({
    PK: { S: `STREAM#request:${requestId}` },
    SK: { S: `SEQ#${String(seq).padStart(12, '0')}` },
  });
  const read = async (seq: number) =>
    (await runtime.dynamo.client.send(new GetItemCommand({ TableName: runtime.tables.audit, Key: key(seq) }))).Item!;
  const put = (item: Record<string, AttributeValue>) =>
    runtime.dynamo.client.send(new PutItemCommand({ TableName: runtime.tables.audit, Item: item }));
  const del = (seq: number) =>
    runtime.dynamo.client.send(new DeleteItemCommand({ TableName: runtime.tables.audit, Key: key(seq) }));

  it.each([
    {
      tamper: 'edit',
      problem: 'hash-mismatch',
      act: async () => {
        // The stored event is the bytes its hash is over: rewrite its action there.
        const item = await read(3);
        const edited = item.event.S!.replace(/"action":"[^"]+"/, '"action":"request.nothing_to_see"');
        expect(edited).not.toBe(item.event.S);
        await put({ ...item, event: { S: edited } });
        return () => put(item);
      },
    },
    {
      tamper: 'delete',
      problem: 'sequence-gap',
      act: async () => {
        const item = await read(3);
        await del(3);
        return () => put(item);
      },
    },
    {
      tamper: 'insert',
      problem: 'sequence-gap',
      act: async () => {
        const forged: Record<string, AttributeValue> = { ...(await read(2)), SK: { S: 'SEQ#000000000002a' } };
        await put(forged);
        return () =>
          runtime.dynamo.client.send(
            new DeleteItemCommand({ TableName: runtime.tables.audit, Key: { PK: forged.PK, SK: forged.SK } }),
          );
      },
    },
    {
      tamper: 'reorder',
      problem: 'sequence-gap',
      act: async () => {
        const [two, three] = [await read(2), await read(3)];
        await put({ ...three, PK: two.PK, SK: two.SK });
        await put({ ...two, PK: three.PK, SK: three.SK });
        return async () => {
          await put(two);
          await put(three);
        };
      },
    },
  ])('$tamper → $problem, naming the stream', async ({ act, problem }) => {
    const restore = await act();
    const report = await verify();
    await restore();
    expect(report.ok).toBe(false);
    expect(report.firstBreak).toMatchObject({ stream: `request:${requestId}`, problem });
    expect((await verify()).ok).toBe(true);
  });
  // Truncation (the last events of a day cut off) is caught by the day's digest: test/e2e/audit-job.test.ts.
});

describe('no personal data', () => {
  it('in any audit item, nor in any log line', async () => {
    const { Items = [] } = await runtime.dynamo.client.send(new ScanCommand({ TableName: runtime.tables.audit }));
    const audit = JSON.stringify(Items);
    const logs = logged.join('');
    expect(logs).toContain('"message":"request"');
    for (const c of demo.customers) {
      const values = [
        ...c.input.emails,
        ...c.input.phones,
        c.input.name.family,
        ...(c.crm ? [c.crm.email, c.crm.phone] : []),
      ];
      for (const v of values) {
        expect(audit, 'audit').not.toContain(v);
        expect(logs, 'logs').not.toContain(v);
      }
    }
  });
});
