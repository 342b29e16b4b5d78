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
import { cpuClock } from './cpu-time.ts';
import { countHandlerCalls, rawCalls } from './dynamo-calls.ts';
import { erasureCost, type ErasureUse } from './erasure-cost.ts';
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
    const nodeCpu: number[] = [];
    const jvmCpu: number[] = [];
    const uses: ErasureUse[] = [];
    for (const [i, c] of env.customers.entries()) {
      const before = calls();
      const billed = env.runtime.sfn.usage();
      const cpu = cpuClock(env.runtime.dynamo.pid);
      const started = performance.now();
      const id = await env.submitErasure(c);
      const done = await env.finished(id);
      const whole = performance.now() - started;
      const used = cpu();
      const after = calls();
      const now = env.runtime.sfn.usage();
      if (done.status !== 'completed') throw new Error(`fan-out erasure ended ${done.status}`);
      const own = env.systemIds.map((s) => env.fleet.busy(id, s));
      if (own.some((s) => s === undefined)) throw new Error('a system was never called');
      for (const { vendor } of env.rest)
        if (!vendor.store.get('customer')?.get(`cus_${c.ecifId}`)?.deleted)
          throw new Error('a rest system did not erase');
      if (i < WARM_UP) continue;
      perRequest = after.calls - before.calls;
      nodeCpu.push(used.nodeMs);
      if (used.otherMs !== undefined) jvmCpu.push(used.otherMs);
      uses.push({
        stateTransitions: now.stateTransitions - billed.stateTransitions,
        lambdaInvocations: now.lambdaInvocations - billed.lambdaInvocations,
        lambdaMs: now.lambdaMs - billed.lambdaMs,
        readUnits: after.readUnits - before.readUnits,
        writeUnits: after.writeUnits - before.writeUnits,
        apiCalls: 1,
      });
      wholes.push(whole);
      slowests.push(Math.max(...(own as number[])));
      floors.push(await rawCalls(env.runtime, perRequest, SYSTEMS));
    }
    const ratios = wholes.map((w, i) => w / slowests[i]);
    const twice = [...env.fleet.effects.values()].filter((n) => n !== 1).length;
    if (twice > 0) throw new Error(`${twice} subjects erased more than once in a system`);
    const costs = uses.map(erasureCost);
    const typical = uses[costs.indexOf([...costs].sort((a, b) => a.usd - b.usd)[Math.floor(costs.length / 2)])];
    const cpuLine =
      `CPU per request: Node ${Math.round(median(nodeCpu))} ms` +
      (jvmCpu.length ? `, DynamoDB Local's JVM ${Math.round(median(jvmCpu))} ms` : '');
    return [
      {
        bench: `fan-out: erasure to ${SYSTEMS} systems (${restSystems} rest) vs the slowest system`,
        ratio: median(ratios),
        target: 1.5,
        detail:
          `median of ${ratios.length} after ${WARM_UP} warm-up erasures; ${Math.round(median(wholes))} ms submit to completed vs ${Math.round(median(slowests))} ms slowest system ` +
          `(serial: ~${((SYSTEMS * median(slowests)) / 1000).toFixed(1)} s); ${env.fleet.stats().maxInFlight} system calls in flight at most; ` +
          `${perRequest} DynamoDB calls, alone ${SYSTEMS} at a time on this DynamoDB Local: ${Math.round(median(floors))} ms; ${cpuLine}`,
      },
      {
        // Not a ratio against a baseline: the cost of one erasure on AWS in dollars per 1,000 (context).
        bench: `fan-out: AWS cost of an erasure to ${SYSTEMS} systems ($ per 1,000)`,
        ratio: erasureCost(typical).usd * 1000,
        detail: `${erasureCost(typical).line}; prices and model: docs/deploy.md`,
      },
    ];
  } finally {
    await env.stop();
  }
}
