/**
 * audit: (1) verifying a chain as the log stores it, and (1b) as an NDJSON export, vs plain SHA-256
 * over the same bytes (target ≤ 3);
 * (2) a chained append vs a plain PutItem on the same DynamoDB Local (target ≤ 1.5);
 * (3) the offline export verifier's memory for 50,000 vs 200,000 events (must not grow with the count).
 * The streamed export route's memory is bench/audit-export.ts.
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import canonicalize from 'canonicalize';
import { chainNext, sealNext, verifySealed, type AuditEvent, type SealedEvent } from '#core/audit/event.ts';
import { exportLine } from '#core/audit/export-line.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import { median, type BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const actor = { role: 'system' as const, principal: 'bench' };

function chain(n: number, stream = 'bench'): { events: AuditEvent[]; sealed: SealedEvent[] } {
  const events: AuditEvent[] = [];
  const sealed: SealedEvent[] = [];
  for (let i = 0; i < n; i++) {
    const next = sealNext(
      events.at(-1),
      {
        stream,
        actor,
        action: 'bench.appended',
        target: { requestId: '01KB2T5Y4X3W2V1U0T9S8R7Q6P' },
        details: { i, kind: 'email' },
      },
      new Date(1_700_000_000_000 + i).toISOString(),
    );
    events.push(next.event);
    sealed.push(next.sealed);
  }
  return { events, sealed };
}

function time(fn: () => void): number {
  const t = performance.now();
  fn();
  return performance.now() - t;
}

/**
 * The stored form (what GET /v1/audit/verify reads: each item's sealed bytes and hash) and the
 * export (what `npm run audit:verify` reads: one line per event), each against SHA-256 of the bytes
 * the hashes are over, with the verifier's own call (`createHash`), in alternation.
 */
async function verifyVsSha(runs: number): Promise<BenchResult[]> {
  const { events, sealed: written } = chain(20_000);
  const bytes = events.map(({ hash: _h, ...body }) => canonicalize(body)!);
  if (written.some((s, i) => s.canonical !== bytes[i])) throw new Error('sealed bytes are not the canonical bytes');
  // As a verifier gets them: strings read back from the table or a file (flat), not the ones built in memory.
  const sealed = written.map((s, i) => ({ canonical: bytes[i], hash: s.hash }));
  const lines = events.map((e) => Buffer.from(exportLine(e)).toString('utf8'));
  // Warm-up (JIT), not counted.
  verifySealed('bench', sealed);
  await verifyExport(lines);
  const stored: number[] = [];
  const exported: number[] = [];
  const sha: number[] = [];
  // Each section starts on a collected heap: the garbage one leaves is not timed in the next.
  const gc = collector();
  for (let r = 0; r < runs; r++) {
    gc();
    stored.push(time(() => verifySealed('bench', sealed)));
    gc();
    sha.push(
      time(() =>
        bytes.forEach((b) => {
          createHash('sha256').update(b).digest('hex');
        }),
      ),
    );
    gc();
    const t = performance.now();
    const result = await verifyExport(lines);
    exported.push(performance.now() - t);
    if (!result.ok) throw new Error('bench export did not verify');
  }
  const s = median(sha);
  const row = (what: string, ms: number): BenchResult => ({
    bench: `audit verify (${what}) vs SHA-256 of the same bytes`,
    ratio: ms / s,
    target: 3,
    detail: `${Math.round((events.length / ms) * 1000)} events/s verified`,
  });
  return [row('as stored', median(stored)), row('NDJSON export', median(exported))];
}

async function appendVsPut(runs: number): Promise<BenchResult> {
  const stores = await startLocalStores();
  try {
    const n = 200;
    const appended: number[] = [];
    const put: number[] = [];
    for (let r = 0; r < runs; r++) {
      let t = performance.now();
      for (let i = 0; i < n; i++)
        await stores.deps.audit.append({
          stream: `bench-${r}`,
          actor,
          action: 'bench.appended',
          target: {},
          details: { i },
        });
      appended.push(performance.now() - t);
      t = performance.now();
      for (let i = 0; i < n; i++) {
        await stores.dynamo.client.send(
          new PutItemCommand({
            TableName: stores.tables.audit,
            Item: { PK: { S: `PLAIN#${r}` }, SK: { S: String(i).padStart(12, '0') }, n: { N: String(i) } },
          }),
        );
      }
      put.push(performance.now() - t);
    }
    const a = median(appended);
    const p = median(put);
    return {
      bench: 'audit chained append vs plain PutItem',
      ratio: a / p,
      target: 1.5,
      detail: `${n} sequential appends: ${(a / n).toFixed(2)} ms vs ${(p / n).toFixed(2)} ms each`,
    };
  } finally {
    await stores.stop();
  }
}

/** V8's collector, reachable without `--expose-gc` on the command line (samples after it count live memory only). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function exportMemory(): Promise<BenchResult> {
  let max = 0;
  const gc = collector();
  // Lines are made on demand, as a file is read: the sample inside the loop, after a collection,
  // sees what the verifier holds (every 10,000 lines: a collection is not free).
  function* lines(n: number) {
    const heads = new Map<string, AuditEvent>();
    for (let i = 0; i < n; i++) {
      const stream = `s${i % 50}`;
      const e = chainNext(
        heads.get(stream),
        { stream, actor, action: 'bench.appended', target: {}, details: { i } },
        new Date(1_700_000_000_000 + i).toISOString(),
      );
      heads.set(stream, e);
      if (i % 10_000 === 0) {
        gc();
        max = Math.max(max, process.memoryUsage().heapUsed);
      }
      yield exportLine(e);
    }
  }
  const peak = async (n: number) => {
    max = 0;
    gc();
    const base = process.memoryUsage().heapUsed;
    const result = await verifyExport(lines(n));
    if (!result.ok) throw new Error('bench export did not verify');
    return Math.max(0, max - base);
  };
  const small = await peak(50_000);
  const large = await peak(200_000);
  return {
    bench: 'offline export verify: peak heap 200k vs 50k events',
    // Live heap after collections: 4x the events, the same heap, is the point.
    ratio: large / Math.max(small, 1),
    detail: `peak heap above start: ${(small / 1e6).toFixed(1)} MB for 50k events, ${(large / 1e6).toFixed(1)} MB for 200k (50 streams)`,
  };
}

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  return [...(await verifyVsSha(opts.runs)), await appendVsPut(Math.min(opts.runs, 5)), await exportMemory()];
}
