/**
 * audit-job: verification as a job over 30 days of DynamoDB Local, `--events N` of them (default
 * 100,000; the issue's full size is 1,000,000), written as appends would have (chained items,
 * their day index) with the day's digests. The job's own code runs each day (verifyJobDay, what
 * the state machine's task runs) then finishes (finishVerification), in process.
 *  (1) its rate vs reading the same days' index pages and SHA-256 over the same bytes (the floor
 *      any verifier pays here; target ≤ 3);
 *  (2) its peak live heap for N vs N/10 events (flat: a ratio near 1).
 */
import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BatchWriteCommand, DynamoDBDocumentClient, type BatchWriteCommandOutput } from '@aws-sdk/lib-dynamodb';
import { auditItem } from '#adapters/dynamodb/audit-log.ts';
import { buildDigest, type AuditDigest } from '#core/audit/digest.ts';
import { sealNext, type AuditEvent } from '#core/audit/event.ts';
import { finishVerification, verifyJobDay, type VerificationJob } from '#core/audit/verification-job.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { median, type BenchResult } from './table.ts';
import { startLocalStores, type LocalStores } from '../test/support/local-stores.ts';

const DAYS = 30;
const DAY = 86_400_000;
const actor = { role: 'system' as const, principal: 'bench' };

function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

/** `n` events over 30 days from `start`, a stream per 20 events (customers and requests), written 25 a batch, 8 at once; the days' digests chained. */
async function seed(stores: LocalStores, n: number, start: number, previous?: AuditDigest): Promise<string[]> {
  const doc = DynamoDBDocumentClient.from(stores.dynamo.client);
  const streams = Math.max(1, Math.floor(n / 20));
  const perDay = Math.ceil(n / DAYS);
  const heads = new Map<string, AuditEvent>();
  const days: string[] = [];
  const write = async (items: Record<string, unknown>[]) => {
    let pending: BatchWriteCommandOutput['UnprocessedItems'] = {
      [stores.tables.audit]: items.map((Item) => ({ PutRequest: { Item } })),
    };
    while (pending && Object.keys(pending).length)
      pending = (await doc.send(new BatchWriteCommand({ RequestItems: pending }))).UnprocessedItems;
  };
  for (let d = 0; d < DAYS; d++) {
    const day = new Date(start + d * DAY).toISOString().slice(0, 10);
    days.push(day);
    const touched = new Set<string>();
    let batch: Record<string, unknown>[] = [];
    let inFlight: Promise<void>[] = [];
    for (let i = d * perDay; i < Math.min(n, (d + 1) * perDay); i++) {
      const stream = `bench:${start}:${(i * 7919) % streams}`;
      const at = new Date(start + d * DAY + Math.floor(((i - d * perDay) / perDay) * (DAY - 1000))).toISOString();
      const { event, sealed } = sealNext(
        heads.get(stream),
        { stream, actor, action: 'bench.seeded', target: {}, details: { i } },
        at,
      );
      heads.set(stream, event);
      touched.add(stream);
      batch.push(auditItem(event, 730, sealed.canonical));
      if (batch.length === 25) {
        inFlight.push(write(batch));
        batch = [];
        if (inFlight.length === 8) await Promise.all(inFlight), (inFlight = []);
      }
    }
    if (batch.length) inFlight.push(write(batch));
    await Promise.all(inFlight);
    const dayHeads = [...touched].map((s) => ({ stream: s, seq: heads.get(s)!.seq, hash: heads.get(s)!.hash }));
    previous = buildDigest(day, new Date(start + (d + 1) * DAY).toISOString(), dayHeads, previous);
    await stores.deps.audit.putDigest(previous);
  }
  return days;
}

export async function run(opts: { runs: number; events?: number }): Promise<BenchResult[]> {
  const large = opts.events ?? 100_000;
  const small = Math.max(1000, Math.floor(large / 10));
  const stores = await startLocalStores();
  const gc = collector();
  try {
    // Two logs in one table, their days apart, digests chained across both; recent, inside the
    // retention (DynamoDB Local expires items by their TTL as DynamoDB does).
    console.error(`audit-job: seeding ${small} then ${large} events over ${DAYS} days each...`);
    const midnight = Date.parse(`${new Date().toISOString().slice(0, 10)}T00:00:00.000Z`);
    const smallDays = await seed(stores, small, midnight - 70 * DAY);
    const [last] = await stores.deps.audit.digests(smallDays.at(-1)!, smallDays.at(-1)!);
    const largeDays = await seed(stores, large, midnight - 35 * DAY, last);

    // Memory runs apart from timed ones: the live heap (after a collection) sampled every 5 pages of
    // the day index and every 10th batch of anchors, where a day's heads are all held.
    let peak = 0;
    let calls = 0;
    const audit = stores.deps.audit;
    const sample = () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    const sampled = Object.create(audit, {
      dayEvents: {
        value: async function* (day: string) {
          for await (const page of audit.dayEvents(day)) {
            if (++calls % 5 === 0) sample();
            yield page;
          }
        },
      },
      eventsAt: {
        value: async (keys: { stream: string; seq: number }[]) => {
          if (++calls % 10 === 0) sample();
          return audit.eventsAt(keys);
        },
      },
    });
    const clock = fixedClock('2026-01-01T00:00:00.000Z');
    let jobs = 0;
    const job = async (days: string[], measureMemory: boolean) => {
      const deps = { ...stores.deps, audit: measureMemory ? sampled : audit, clock };
      const id = `BENCH${String(jobs++).padStart(21, '0')}`;
      const j: VerificationJob = {
        id,
        from: `${days[0]}T00:00:00.000Z`,
        to: new Date(Date.parse(days.at(-1)!) + DAY).toISOString(),
        days,
        requestedAt: '2026-01-01T00:00:00.000Z',
        requestedBy: actor,
      };
      await deps.verificationJobs.create(j);
      gc();
      peak = process.memoryUsage().heapUsed;
      const t = performance.now();
      for (const day of days) await verifyJobDay(deps, { jobId: id, day });
      await finishVerification(deps, { jobId: id });
      const ms = performance.now() - t;
      const result = (await deps.verificationJobs.result(id))!;
      if (!result.ok || result.events !== (days === largeDays ? large : small))
        throw new Error(`bench job did not verify: ${JSON.stringify(result).slice(0, 300)}`);
      return { ms, heap: peak };
    };
    /** The floor: the same days' index pages read, SHA-256 over each event's bytes, nothing checked. */
    const floor = async (days: string[]) => {
      const t = performance.now();
      for (const day of days)
        for await (const page of audit.dayEvents(day))
          for (const e of page) createHash('sha256').update(e.canonical).digest('hex');
      return performance.now() - t;
    };
    const runs = Math.max(1, Math.min(opts.runs, 3));
    const jobMs: number[] = [];
    const floorMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      floorMs.push(await floor(largeDays));
      jobMs.push((await job(largeDays, false)).ms);
    }
    const heap = { small: (await job(smallDays, true)).heap, large: (await job(largeDays, true)).heap };
    const mb = (b: number) => (b / 1e6).toFixed(1);
    const j = median(jobMs);
    const f = median(floorMs);
    return [
      {
        bench: `audit job (${large.toLocaleString('en')} events, ${DAYS} days) vs reading the day index + SHA-256`,
        ratio: j / f,
        target: 3,
        detail: `${Math.round((large / j) * 1000)} events/s verified vs ${Math.round((large / f) * 1000)} read and hashed (job ${jobMs.map((m) => Math.round(m)).join(', ')} ms; floor ${floorMs.map((m) => Math.round(m)).join(', ')} ms)`,
      },
      {
        bench: `audit job: peak live heap ${large.toLocaleString('en')} vs ${small.toLocaleString('en')} events`,
        ratio: heap.large / heap.small,
        detail: `peak live heap of the process: ${mb(heap.small)} MB for ${small.toLocaleString('en')} events, ${mb(heap.large)} MB for ${large.toLocaleString('en')} (${Math.floor(small / 20)} vs ${Math.floor(large / 20)} streams, ${DAYS} days each)`,
      },
    ];
  } finally {
    await stores.stop();
  }
}
