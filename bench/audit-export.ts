/**
 * audit-export: the streamed export route through the local gateway, which runs in its own process
 * so that its memory is what is measured: 50,000 vs 200,000 events from DynamoDB Local. The ratio is
 * the gateway's peak live heap (sampled after a forced GC, so garbage not yet collected does not
 * count) for 200k over 50k: flat memory is a ratio near 1, memory that grows with the count would be
 * near 4. Peak RSS and throughput (events/s) are context.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { BatchWriteCommand, DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditItem } from '#adapters/dynamodb/audit-log.ts';
import { chainNext, type AuditEvent } from '#core/audit/event.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import type { BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const actor = { role: 'system' as const, principal: 'bench' };

/** Chained events as appends write them (the adapter's item shape), 25 per batch, 10 ms apart from t0. */
async function seedAudit(stores: Awaited<ReturnType<typeof startLocalStores>>, n: number, t0: number): Promise<void> {
  const doc = DynamoDBDocumentClient.from(stores.dynamo.client);
  const heads = new Map<string, AuditEvent>();
  let batch: Record<string, unknown>[] = [];
  const inFlight = new Set<Promise<unknown>>();
  const flush = async () => {
    const items = batch;
    batch = [];
    const p = doc.send(
      new BatchWriteCommand({
        RequestItems: { [stores.tables.audit]: items.map((Item) => ({ PutRequest: { Item } })) },
      }),
    );
    inFlight.add(p);
    void p.finally(() => inFlight.delete(p));
    if (inFlight.size >= 8) await Promise.race(inFlight);
  };
  for (let i = 0; i < n; i++) {
    const stream = `bench:${i % 50}`;
    const e = chainNext(
      heads.get(stream),
      {
        stream,
        actor,
        action: 'bench.appended',
        target: { requestId: '01KB2T5Y4X3W2V1U0T9S8R7Q6P' },
        details: { i, kind: 'email' },
      },
      new Date(t0 + i * 10).toISOString(),
    );
    heads.set(stream, e);
    batch.push(auditItem(e));
    if (batch.length === 25) await flush();
  }
  if (batch.length) await flush();
  await Promise.all(inFlight);
}

export async function exportThroughGateway(): Promise<BenchResult> {
  const stores = await startLocalStores();
  const t0 = Date.parse('2026-06-01T00:00:00.000Z');
  const sizes = [50_000, 200_000];
  const children: ChildProcess[] = [];
  try {
    await seedAudit(stores, sizes[1], t0);
    const token = await signDevToken({ role: 'auditor' });
    const measured: { n: number; rss: number; heap: number; live: number; ms: number; bytes: number }[] = [];
    for (const n of sizes) {
      // A fresh gateway per size: its peak is its own, not the previous export's.
      const child = fork(new URL('./export-gateway.ts', import.meta.url).pathname, {
        execArgv: ['--import', 'tsx', '--expose-gc'],
        env: { ...process.env, LOG_LEVEL: 'warn' },
      });
      children.push(child);
      const ask = async <T>(msg?: string): Promise<T> => {
        const reply = once(child, 'message') as Promise<[T]>;
        if (msg) child.send(msg);
        return (await reply)[0];
      };
      const { url } = await ask<{ url: string }>();
      const exportOf = async (count: number) => {
        const to = new Date(t0 + count * 10).toISOString();
        const res = await fetch(`${url}/v1/audit/export?from=${new Date(t0).toISOString()}&to=${to}`, {
          headers: { authorization: `Bearer ${token}` },
        });
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
      const { rss, heap, live } = await ask<{ rss: number; heap: number; live: number }>('report');
      measured.push({ n, rss, heap, live, ms, bytes });
      child.send('stop');
    }
    const [small, large] = measured;
    const mb = (b: number) => (b / 1e6).toFixed(0);
    const rate = (m: (typeof measured)[number]) => Math.round((m.n / m.ms) * 1000).toLocaleString('en');
    return {
      bench: 'streamed export via gateway: peak live heap 200k vs 50k events',
      ratio: large.live / small.live,
      detail:
        `gateway peak live heap ${mb(small.live)} MB, RSS ${mb(small.rss)} MB for 50k events (${mb(small.bytes)} MB out); ` +
        `${mb(large.live)} MB, RSS ${mb(large.rss)} MB for 200k (${mb(large.bytes)} MB out); ${rate(small)} and ${rate(large)} events/s (pages of 1,000, DynamoDB Local)`,
    };
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill();
    await stores.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  return [await exportThroughGateway()];
}
