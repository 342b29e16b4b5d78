/**
 * audit: (1) verifying a chain vs plain SHA-256 over the same bytes (target ≤ 3);
 * (2) a chained append vs a plain PutItem on the same DynamoDB Local (target ≤ 1.5);
 * (3) the offline export verifier's memory for 50,000 vs 200,000 events (must not grow with the count);
 * (4) the streamed export route through the local gateway (its own process) for 50,000 vs 200,000
 *     events: the gateway's peak RSS must not grow with the count; throughput in events/s.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createHash } from 'node:crypto';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditItem } from '#adapters/dynamodb/audit-log.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import canonicalize from 'canonicalize';
import { chainNext, verifyChain, type AuditEvent } from '#core/audit/event.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import { median, type BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const actor = { role: 'system' as const, principal: 'bench' };

function chain(n: number, stream = 'bench'): AuditEvent[] {
  const events: AuditEvent[] = [];
  for (let i = 0; i < n; i++) {
    events.push(chainNext(events.at(-1), { stream, actor, action: 'bench.appended', target: { requestId: '01KB2T5Y4X3W2V1U0T9S8R7Q6P' }, details: { i, kind: 'email' } }, new Date(1_700_000_000_000 + i).toISOString()));
  }
  return events;
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

async function verifyVsSha(runs: number): Promise<BenchResult> {
  const events = chain(20_000);
  const bytes = events.map(({ hash: _h, ...body }) => canonicalize(body)!);
  const verify: number[] = [];
  const sha: number[] = [];
  for (let r = 0; r < runs; r++) {
    verify.push(time(() => verifyChain(events)));
    sha.push(time(() => bytes.forEach((b) => createHash('sha256').update(b).digest('hex'))));
  }
  const v = median(verify);
  return { bench: 'audit verify vs SHA-256 of the same bytes', ratio: v / median(sha), target: 3, detail: `${Math.round((events.length / v) * 1000)} events/s verified` };
}

async function appendVsPut(runs: number): Promise<BenchResult> {
  const stores = await startLocalStores();
  try {
    const n = 200;
    const appended: number[] = [];
    const put: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      for (let i = 0; i < n; i++) await stores.deps.audit.append({ stream: `bench-${r}`, actor, action: 'bench.appended', target: {}, details: { i } });
      appended.push(performance.now() - t);
      t = performance.now();
      for (let i = 0; i < n; i++) {
        await stores.dynamo.client.send(
          new PutItemCommand({ TableName: stores.tables.audit, Item: { PK: { S: `PLAIN#${r}` }, SK: { S: String(i).padStart(12, '0') }, n: { N: String(i) } } }),
        );
      }
      put.push(performance.now() - t);
    }
    const a = median(appended);
    const p = median(put);
    return { bench: 'audit chained append vs plain PutItem', ratio: a / p, target: 1.5, detail: `${n} sequential appends: ${(a / n).toFixed(2)} ms vs ${(p / n).toFixed(2)} ms each` };
  } finally {
    await stores.stop();
  }
}

async function exportMemory(): Promise<BenchResult> {
  let max = 0;
  // Lines are made on demand, as a file is read: the sample inside the loop sees the verifier's own heap.
  function* lines(n: number) {
    const heads = new Map<string, AuditEvent>();
    for (let i = 0; i < n; i++) {
      const stream = `s${i % 50}`;
      const e = chainNext(heads.get(stream), { stream, actor, action: 'bench.appended', target: {}, details: { i } }, new Date(1_700_000_000_000 + i).toISOString());
      heads.set(stream, e);
      if (i % 1000 === 0) max = Math.max(max, process.memoryUsage().heapUsed);
      yield JSON.stringify(e);
    }
  }
  const peak = async (n: number) => {
    max = 0;
    const base = process.memoryUsage().heapUsed;
    const result = await verifyExport(lines(n));
    if (!result.ok) throw new Error('bench export did not verify');
    return Math.max(0, max - base);
  };
  const small = await peak(50_000);
  const large = await peak(200_000);
  return {
    bench: 'offline export verify: peak heap 200k vs 50k events',
    // heapUsed includes garbage not yet collected: 4x the events at well under 4x the heap is the point.
    ratio: large / Math.max(small, 1),
    detail: `peak heap above start: ${(small / 1e6).toFixed(1)} MB for 50k events, ${(large / 1e6).toFixed(1)} MB for 200k (50 streams)`,
  };
}

/** Chained events as appends write them (the adapter's item shape), 25 per batch, 10 ms apart from t0. */
async function seedAudit(stores: Awaited<ReturnType<typeof startLocalStores>>, n: number, t0: number): Promise<void> {
  const doc = DynamoDBDocumentClient.from(stores.dynamo.client);
  const heads = new Map<string, AuditEvent>();
  let batch: Record<string, unknown>[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const flush = async () => {
    const items = batch;
    batch = [];
    const p = doc.send(new BatchWriteCommand({ RequestItems: { [stores.tables.audit]: items.map((Item) => ({ PutRequest: { Item } })) } }));
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  };
  for (let i = 0; i < n; i++) {
    const stream = `bench:${i % 50}`;
    const e = chainNext(heads.get(stream), { stream, actor, action: 'bench.appended', target: { requestId: '01KB2T5Y4X3W2V1U0T9S8R7Q6P' }, details: { i, kind: 'email' } }, new Date(t0 + i * 10).toISOString());
    heads.set(stream, e);
    batch.push(auditItem(e));
    if (batch.length === 25) await flush();
  }
  if (batch.length) await flush();
  await Promise.all(inFlight);
}

async function exportThroughGateway(): Promise<BenchResult> {
  const stores = await startLocalStores();
  const t0 = Date.parse('2026-06-01T00:00:00.000Z');
  const sizes = [50_000, 200_000];
  const children: ChildProcess[] = [];
  try {
    await seedAudit(stores, sizes[1], t0);
    const token = await signDevToken({ role: 'auditor' });
    const measured: { n: number; rss: number; heap: number; ms: number; bytes: number }[] = [];
    for (const n of sizes) {
      // A fresh gateway per size: its peak is its own, not the previous export's.
      const child = fork(new URL('./export-gateway.ts', import.meta.url).pathname, { execArgv: ['--import', 'tsx', '--expose-gc'], env: { ...process.env, LOG_LEVEL: 'warn' } });
      children.push(child);
      const ask = async <T>(msg?: string): Promise<T> => {
        const reply = once(child, 'message') as Promise<[T]>;
        if (msg) child.send(msg);
        return (await reply)[0];
      };
      const { url } = await ask<{ url: string }>();
      const exportOf = async (count: number) => {
        const to = new Date(t0 + count * 10).toISOString();
        const res = await fetch(`${url}/v1/audit/export?from=${new Date(t0).toISOString()}&to=${to}`, { headers: { authorization: `Bearer ${token}` } });
        let bytes = 0;
        let lines = 0;
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          bytes += chunk.length;
          for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
        }
        if (lines !== count + 1) throw new Error(`export of ${count} events came back with ${lines} lines`);
        return bytes;
      };
      // Warm: modules loaded, connections open, before the peak is reset.
      await exportOf(2_000);
      await ask('reset');
      const t = performance.now();
      const bytes = await exportOf(n);
      const ms = performance.now() - t;
      const { rss, heap } = await ask<{ rss: number; heap: number }>('report');
      measured.push({ n, rss, heap, ms, bytes });
      child.send('stop');
    }
    const [small, large] = measured;
    const mb = (b: number) => (b / 1e6).toFixed(0);
    const rate = (m: (typeof measured)[number]) => Math.round((m.n / m.ms) * 1000).toLocaleString('en');
    return {
      bench: 'streamed export via gateway: peak RSS 200k vs 50k events',
      ratio: large.rss / small.rss,
      detail:
        `gateway peak RSS ${mb(small.rss)} MB / heap ${mb(small.heap)} MB for 50k (${mb(small.bytes)} MB out), ` +
        `${mb(large.rss)} MB / ${mb(large.heap)} MB for 200k (${mb(large.bytes)} MB out); ${rate(small)} and ${rate(large)} events/s (pages of 1,000, DynamoDB Local)`,
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    await stores.stop();
  }
}

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  return [await verifyVsSha(opts.runs), await appendVsPut(Math.min(opts.runs, 5)), await exportMemory(), await exportThroughGateway()];
}
