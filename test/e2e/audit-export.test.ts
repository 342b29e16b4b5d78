/**
 * The streamed audit export through the real local gateway over HTTP, against DynamoDB Local:
 * more events than one page (small pages here), written as read (chunked, no length), verifying
 * offline with its trailer; CSV with its header; refusals before the first byte as problem
 * details with nothing exported; a failure mid-stream cuts the transfer and leaves no trailer.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditItem } from '#adapters/dynamodb/audit-log.ts';
import { chainNext, type AuditEvent } from '#core/audit/event.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import { deps } from '#handlers/deps.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { invokeBuffered, type StreamingHandler } from '#infra/local/lambda-streaming.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { assertContract } from '../support/contract.ts';

const PAGE = 100;
const EVENTS = 2_500;
const STREAMS = 7;
process.env.AUDIT_EXPORT_PAGE_SIZE = String(PAGE);

let runtime: LocalRuntime;
let auditor: string;
// A quiet hour of its own in the past: nothing else the runtime writes falls in it.
const t0 = Date.now() - 30 * 60_000;
const from = new Date(t0).toISOString();
const to = new Date(t0 + 60_000).toISOString();
const exportUrl = (q: string) =>
  `${runtime.apiUrl}/v1/audit/export?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}${q}`;

/** Chained events as appends would have written them (the adapter's own item shape), 25 per batch. */
async function seed() {
  const heads = new Map<string, AuditEvent>();
  const events: AuditEvent[] = [];
  for (let i = 0; i < EVENTS; i++) {
    const stream = `export-test:${i % STREAMS}`;
    const e = chainNext(
      heads.get(stream),
      {
        stream,
        actor: { role: 'system', principal: 'seed' },
        action: 'test.seeded',
        target: {},
        details: { i, note: 'comma, "quote"' },
      },
      new Date(t0 + i * 10).toISOString(),
    );
    heads.set(stream, e);
    events.push(e);
  }
  const doc = DynamoDBDocumentClient.from(runtime.dynamo.client);
  const batches = Array.from({ length: Math.ceil(events.length / 25) }, (_, b) => events.slice(b * 25, b * 25 + 25));
  for (let b = 0; b < batches.length; b += 8) {
    await Promise.all(
      batches.slice(b, b + 8).map((batch) =>
        doc.send(
          new BatchWriteCommand({
            RequestItems: { [runtime.tables.audit]: batch.map((e) => ({ PutRequest: { Item: auditItem(e) } })) },
          }),
        ),
      ),
    );
  }
}

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, webPages: false });
  auditor = await signDevToken({ role: 'auditor' });
  await seed();
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const get = (url: string, token = auditor) => fetch(url, { headers: { authorization: `Bearer ${token}` } });

/** The body's lines as they arrive, counting the reads. */
async function* linesOf(res: Response, reads: { n: number }) {
  const decoder = new TextDecoder();
  let rest = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    reads.n++;
    const text = rest + decoder.decode(chunk, { stream: true });
    const lines = text.split('\n');
    rest = lines.pop()!;
    yield* lines;
  }
  if (rest) yield rest;
}

describe('GET /v1/audit/export, streamed', () => {
  it('NDJSON: every event of the range across many pages, chunked with no length, that verifies offline complete with its count', async () => {
    const res = await get(exportUrl('&format=ndjson'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="audit-${from.slice(0, 10)}.ndjson"`);
    // Written as produced: no length known up front.
    expect(res.headers.get('content-length')).toBeNull();
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    const reads = { n: 0 };
    const lines: string[] = [];
    for await (const line of linesOf(res, reads)) lines.push(line);
    expect(reads.n).toBeGreaterThan(1);
    const result = await verifyExport(lines);
    expect(result).toEqual({
      ok: true,
      events: EVENTS,
      streams: STREAMS,
      anchored: 0,
      complete: true,
      range: { from, to },
    });
    expect(JSON.parse(lines.at(-1)!)).toEqual({ export: 'end', events: EVENTS, from, to });
    // Each event once, in time order.
    expect(lines.slice(0, -1).map((l) => JSON.parse(l).details.i)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));

    // The offline tool, with nothing of ours running: --complete accepts it whole, and refuses it cut short.
    const dir = mkdtempSync(path.join(tmpdir(), 'custodian-export-'));
    const script = new URL('../../scripts/audit-verify.ts', import.meta.url).pathname;
    const run = (file: string, ...flags: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', script, ...flags, file]).then(
        (r) => ({ code: 0, out: JSON.parse(r.stdout) }),
        (e) => ({ code: e.code as number, out: JSON.parse(e.stdout) }),
      );
    writeFileSync(path.join(dir, 'whole.ndjson'), `${lines.join('\n')}\n`);
    writeFileSync(path.join(dir, 'cut.ndjson'), `${lines.slice(0, 1234).join('\n')}\n`);
    expect(await run(path.join(dir, 'whole.ndjson'), '--complete')).toMatchObject({
      code: 0,
      out: { ok: true, complete: true, events: EVENTS },
    });
    expect(await run(path.join(dir, 'cut.ndjson'))).toMatchObject({
      code: 0,
      out: { ok: true, complete: false, events: 1234 },
    });
    expect(await run(path.join(dir, 'cut.ndjson'), '--complete')).toMatchObject({ code: 1, out: { complete: false } });
  });

  it('CSV: the header, then one row per event with the chain fields', async () => {
    const res = await get(exportUrl('&format=csv'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const text = await res.text();
    assertContract('GET', '/v1/audit/export', res.status, res.headers.get('content-type'), text);
    const rows = text.trimEnd().split('\n');
    expect(rows[0]).toBe('stream,seq,at,actor,action,target,details,prevHash,hash');
    expect(rows).toHaveLength(EVENTS + 1);
    expect(rows[1].startsWith(`export-test:0,1,${from},"{`)).toBe(true);
    expect(rows[1]).toContain(',test.seeded,{},"{""i"":0,""note"":""comma, \\""quote\\""""}",');
    expect(rows[1]).toMatch(/,0{64},[0-9a-f]{64}$/);
  });

  it('a bad range, a role that may not export, no token: refused before the first byte, nothing exported', async () => {
    const bad = await get(
      `${runtime.apiUrl}/v1/audit/export?from=${encodeURIComponent(to)}&to=${encodeURIComponent(from)}`,
    );
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
    const problem = await bad.json();
    assertContract('GET', '/v1/audit/export', 422, 'application/problem+json', problem);
    expect(problem).toMatchObject({ status: 422, errors: [{ path: 'from', message: '`from` must be before `to`' }] });

    const operator = await get(exportUrl(''), await signDevToken({ role: 'operator' }));
    expect(operator.status).toBe(403);
    expect(await operator.json()).toMatchObject({ status: 403, title: 'Forbidden' });
    const format = await get(exportUrl('&format=xml'));
    expect(format.status).toBe(422);
    expect((await format.text()).includes('"export"')).toBe(false);
    expect((await fetch(exportUrl(''))).status).toBe(401);
  });

  it('a store failing mid-stream cuts the transfer: what arrived verifies, but without the trailer it is not complete', async () => {
    const audit = (await deps()).audit;
    const events = audit.events.bind(audit);
    let calls = 0;
    audit.events = async (...args) => {
      if (++calls === 4) throw new Error('the table went away');
      return events(...args);
    };
    try {
      const res = await get(exportUrl('&format=ndjson'));
      expect(res.status).toBe(200);
      const lines: string[] = [];
      const read = (async () => {
        for await (const line of linesOf(res, { n: 0 })) lines.push(line);
      })();
      await expect(read).rejects.toThrow();
      const result = await verifyExport(lines);
      expect(result).toMatchObject({ ok: true, complete: false });
      expect(result.events).toBeLessThanOrEqual(3 * PAGE);
    } finally {
      audit.events = events;
    }
  });

  it('a store failing on the first page is a problem-details 500, not a 200 cut short', async () => {
    const audit = (await deps()).audit;
    const events = audit.events.bind(audit);
    audit.events = async () => {
      throw new Error('the table went away');
    };
    try {
      const res = await get(exportUrl('&format=csv'));
      expect(res.status).toBe(500);
      expect(res.headers.get('content-type')).toBe('application/problem+json');
      expect(await res.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
    } finally {
      audit.events = events;
    }
  });
});

describe('behind the REST API (AWS): its proxy event through the same chain', () => {
  // What API Gateway's REST API sends a Lambda proxy integration: header case as sent, no authorizer
  // (the chain checks the bearer against the issuer's keys, as the HTTP API's JWT authorizer would).
  const restEvent = (headers: Record<string, string>, query: Record<string, string>) => ({
    resource: '/v1/audit/export',
    path: '/v1/audit/export',
    httpMethod: 'GET',
    headers: { Host: 'abc123.execute-api.eu-west-1.amazonaws.com', 'User-Agent': 'auditor-tool', ...headers },
    multiValueHeaders: {},
    queryStringParameters: query,
    multiValueQueryStringParameters: {},
    pathParameters: null,
    stageVariables: null,
    requestContext: {
      resourcePath: '/v1/audit/export',
      httpMethod: 'GET',
      requestId: 'rest-1',
      path: '/api/v1/audit/export',
      stage: 'api',
      protocol: 'HTTP/1.1',
      identity: { sourceIp: '203.0.113.9' },
    },
    body: null,
    isBase64Encoded: false,
  });
  const invoke = async (headers: Record<string, string>, query: Record<string, string> = { from, to }) => {
    const { handler } = (await import('#handlers/http/audit-export.ts')) as unknown as { handler: StreamingHandler };
    return invokeBuffered(handler, restEvent(headers, query), {});
  };

  it("a valid auditor token streams the whole export, with CORS headers for the pages' origin only", async () => {
    process.env.CORS_ALLOW_ORIGINS = 'https://pages.example';
    try {
      const res = await invoke({ Authorization: `Bearer ${auditor}`, Origin: 'https://pages.example' });
      expect(res.statusCode).toBe(200);
      expect(res.headers).toMatchObject({
        'content-type': 'application/x-ndjson',
        'access-control-allow-origin': 'https://pages.example',
        'access-control-expose-headers': 'content-disposition',
      });
      expect(await verifyExport(res.body.split('\n'))).toMatchObject({ ok: true, complete: true, events: EVENTS });
      const foreign = await invoke(
        { Authorization: `Bearer ${auditor}`, Origin: 'https://evil.example' },
        { from, to: new Date(t0 + 1000).toISOString() },
      );
      expect(foreign.statusCode).toBe(200);
      expect(foreign.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      delete process.env.CORS_ALLOW_ORIGINS;
    }
  });

  it('no token, a forged token, a role that may not export: problem details, nothing exported', async () => {
    const none = await invoke({});
    expect(none.statusCode).toBe(401);
    expect(none.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(none.body)).toMatchObject({ status: 401 });
    const forged = await invoke({ Authorization: `Bearer ${auditor.slice(0, -4)}AAAA` });
    expect(forged.statusCode).toBe(401);
    const operator = await invoke({ Authorization: `Bearer ${await signDevToken({ role: 'operator' })}` });
    expect(operator.statusCode).toBe(403);
    const bad = await invoke({ Authorization: `Bearer ${auditor}` }, { from: to, to: from });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).not.toContain('"export"');
    // API Gateway requires nothing of the query: a missing range is the chain's answer, with the field.
    const missing = await invoke({ Authorization: `Bearer ${auditor}` }, {});
    expect(missing.statusCode).toBe(422);
    expect(JSON.parse(missing.body)).toMatchObject({
      status: 422,
      errors: [expect.objectContaining({ path: 'from' })],
    });
  });
});
