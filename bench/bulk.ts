/**
 * bulk: 500 erasure requests of 500 distinct signed-in customers, all submitted at once to the
 * local runtime, each subject in 3 webhook systems (50 ms each). Every request must reach a final
 * state, each system must have erased each subject exactly once (counted at the system), each
 * request's audit trail must hold one success per system and one finalization, and its chain must
 * verify. Prints requests per second and p50/p99 submit-to-complete. Submitting one request to an
 * idle runtime and waiting for it is the baseline the ratio is taken against (p50 under load vs alone).
 */
import { verifyChain } from '#core/audit/event.ts';
import { deps } from '#handlers/deps.ts';
import { startFleetRuntime } from './fleet-setup.ts';
import { median, percentile, type BenchResult } from './table.ts';

const REQUESTS = 500;
const SYSTEMS = 3;
const DELAY_MS = 50;

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const alone = Math.max(3, Math.min(opts.runs, 5));
  const env = await startFleetRuntime({ systems: SYSTEMS, delayMs: DELAY_MS, customers: REQUESTS + alone + 1 });
  try {
    const [warm, ...rest] = env.customers;
    const singles = rest.slice(0, alone);
    const bulk = rest.slice(alone);
    const timeOne = async (c: (typeof bulk)[number]) => {
      const started = performance.now();
      const id = await env.submitErasure(c);
      const { status } = await env.finished(id);
      return { id, status, ms: performance.now() - started };
    };
    await timeOne(warm);
    const aloneMs: number[] = [];
    for (const c of singles) aloneMs.push((await timeOne(c)).ms);

    // Tokens first: signing is the requester's work, not the runtime's.
    await Promise.all(bulk.map(env.token));
    const started = performance.now();
    const results = await Promise.allSettled(bulk.map(timeOne));
    const wall = performance.now() - started;

    const problems: string[] = [];
    const done = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    const rejected = results.filter((r) => r.status === 'rejected') as PromiseRejectedResult[];
    if (rejected.length)
      problems.push(
        `${rejected.length} not submitted or not followed (first: ${(rejected[0].reason as Error).message})`,
      );
    const notCompleted = done.filter((d) => d.status !== 'completed');
    if (notCompleted.length) {
      // What the failed systems' tasks recorded (error names and our own messages: no personal data).
      const reasons = new Map<string, number>();
      for (const d of notCompleted) {
        for (const t of await (await deps()).requests.tasks(d.id)) {
          if (t.state === 'succeeded') continue;
          const why = `${t.state}: ${t.lastError?.name ?? '-'} ${t.lastError?.message?.slice(0, 80) ?? ''}`;
          reasons.set(why, (reasons.get(why) ?? 0) + 1);
        }
      }
      problems.push(
        `${notCompleted.length} ended ${[...new Set(notCompleted.map((d) => d.status))].join('/')} (${[...reasons].map(([k, n]) => `${n}x ${k}`).join(', ')})`,
      );
    }

    // Harm done once per subject and system: counted by the systems themselves.
    const expected = new Set(bulk.flatMap((c) => env.systemIds.map((s) => `${s} L-${c.ecifId}`)));
    const missing = [...expected].filter((k) => env.fleet.effects.get(k) !== 1);
    if (missing.length)
      problems.push(
        `${missing.length} subject-system pairs erased ${[...new Set(missing.map((k) => env.fleet.effects.get(k) ?? 0))].join('/')} times, not once`,
      );

    // The trail: one success per system, one finalization, and a chain that verifies.
    const audit = (await deps()).audit;
    let badTrails = 0;
    for (const d of done) {
      const events = await audit.stream(`request:${d.id}`);
      const succeeded = events.filter((e) => e.action === 'request.system_succeeded').map((e) => e.target.systemId);
      const finalized = events.filter((e) => e.action === 'request.finalized').length;
      if (succeeded.length !== SYSTEMS || new Set(succeeded).size !== SYSTEMS || finalized !== 1 || verifyChain(events))
        badTrails++;
    }
    if (badTrails)
      problems.push(`${badTrails} audit trails not one success per system and one finalization, or not verifying`);
    if (problems.length) throw new Error(`bulk erasure: ${problems.join('; ')}`);

    const ms = done.map((d) => d.ms);
    const p50 = percentile(ms, 50);
    const p99 = percentile(ms, 99);
    return [
      {
        bench: `bulk: ${REQUESTS} concurrent erasures, p50 vs one alone`,
        ratio: p50 / median(aloneMs),
        detail:
          `${REQUESTS} of ${REQUESTS} completed, each of ${SYSTEMS} systems erased each subject once; ${(REQUESTS / (wall / 1000)).toFixed(1)} requests/s ` +
          `(${(wall / 1000).toFixed(1)} s); submit to completed p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s; alone ${Math.round(median(aloneMs))} ms`,
      },
    ];
  } finally {
    await env.stop();
  }
}
