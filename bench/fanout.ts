/**
 * fanout: one erasure whose subject is cross-referenced in 25 connected `http` systems that each
 * take 300 ms (the erase; the verify read-back after it is quick), submitted through the API and
 * followed to `completed`, against the slowest system's own time for that request (the time it spent
 * answering its calls, measured at the system), in the same run. Serial would be ~25x; the target
 * is 1.5x. For context it also times, on the same DynamoDB Local, as many raw calls as the request
 * made, issued as many at a time as the Map runs systems: the emulator's own share of the figure.
 * One of the 25 is a `rest` system (the shipped `stripe` definition on its stand-in: a read, the
 * delete, the read-back); BENCH_FANOUT_REST=0 makes all 25 webhooks, the figure to compare with.
 */
import { countHandlerCalls, rawCalls } from './dynamo-calls.ts';
import { startFleetRuntime } from './fleet-setup.ts';
import { median, type BenchResult } from './table.ts';

const SYSTEMS = 25;
const DELAY_MS = 300;
/**
 * Erasures run first and not counted: they warm Node's JIT and DynamoDB Local's JVM (the first few
 * requests of a fresh process run 5-15% slower; a service in use is warm).
 */
const WARM_UP = 5;

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const runs = Math.min(opts.runs, 9);
  const restSystems = process.env.BENCH_FANOUT_REST === '0' ? 0 : 1;
  const env = await startFleetRuntime({ systems: SYSTEMS, delayMs: DELAY_MS, customers: WARM_UP + runs, restSystems });
  try {
    const calls = countHandlerCalls();
    const wholes: number[] = [];
    const slowests: number[] = [];
    const floors: number[] = [];
    let perRequest = 0;
    for (const [i, c] of env.customers.entries()) {
      const before = calls();
      const started = performance.now();
      const id = await env.submitErasure(c);
      const done = await env.finished(id);
      const whole = performance.now() - started;
      if (done.status !== 'completed') throw new Error(`fan-out erasure ended ${done.status}`);
      const own = env.systemIds.map((s) => env.fleet.busy(id, s));
      if (own.some((s) => s === undefined)) throw new Error('a system was never called');
      for (const { vendor } of env.rest)
        if (!vendor.store.get('customer')?.get(`cus_${c.ecifId}`)?.deleted)
          throw new Error('a rest system did not erase');
      if (i < WARM_UP) continue;
      perRequest = calls() - before;
      wholes.push(whole);
      slowests.push(Math.max(...(own as number[])));
      floors.push(await rawCalls(env.runtime, perRequest, SYSTEMS));
    }
    const ratios = wholes.map((w, i) => w / slowests[i]);
    const twice = [...env.fleet.effects.values()].filter((n) => n !== 1).length;
    if (twice > 0) throw new Error(`${twice} subjects erased more than once in a system`);
    return [
      {
        bench: `fan-out: erasure to ${SYSTEMS} systems (${restSystems} rest) vs the slowest system`,
        ratio: median(ratios),
        target: 1.5,
        detail:
          `median of ${ratios.length} after ${WARM_UP} warm-up erasures; ${Math.round(median(wholes))} ms submit to completed vs ${Math.round(median(slowests))} ms slowest system ` +
          `(serial: ~${((SYSTEMS * median(slowests)) / 1000).toFixed(1)} s); ${env.fleet.stats().maxInFlight} system calls in flight at most; ` +
          `${perRequest} DynamoDB calls, alone ${SYSTEMS} at a time on this DynamoDB Local: ${Math.round(median(floors))} ms`,
      },
    ];
  } finally {
    await env.stop();
  }
}
