/**
 * A connected system's `concurrency` (systems registry): at most that many calls in flight to it
 * from this process; the others wait their turn, in order. Its `rateLimitPerSecond`, when set: call
 * starts at least 1/rate seconds apart (a quota the system enforces, kept before it has to refuse). Without it, a bulk erasure opens a
 * connection per request to the same webhook at once (500 requests, 500 connections): beyond the
 * system's accept backlog connections are dropped, calls time out, requests end `needs_attention`.
 *
 * Per process: that is the whole local runtime, and one Lambda instance in AWS (where the Map's
 * concurrency and Lambda's own limits bound the fan-out instead; docs/scaling.md).
 */
import type { Connector } from '#core/connectors/connector.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';

interface Gate {
  inFlight: number;
  waiting: (() => void)[];
  /** When the next call may start, under the rate limit (epoch ms). */
  nextStartAt: number;
}

const gates = new Map<string, Gate>();

async function withSlot<T>(system: ConnectedSystem, call: () => Promise<T>): Promise<T> {
  let gate = gates.get(system.systemId);
  if (!gate) gates.set(system.systemId, (gate = { inFlight: 0, waiting: [], nextStartAt: 0 }));
  // The limit as registered now: a re-registration takes effect on the next call.
  if (gate.inFlight >= system.concurrency) await new Promise<void>((resolve) => gate.waiting.push(resolve));
  else gate.inFlight++;
  try {
    if (system.rateLimitPerSecond) {
      // Each call books the next start slot, so callers are spaced in the order they got here.
      const now = Date.now();
      const startAt = Math.max(now, gate.nextStartAt);
      gate.nextStartAt = startAt + 1000 / system.rateLimitPerSecond;
      if (startAt > now) await new Promise((r) => setTimeout(r, startAt - now));
    }
    return await call();
  } finally {
    // The slot passes to the next in line (inFlight unchanged), or is freed.
    const next = gate.waiting.shift();
    if (next) next();
    else gate.inFlight--;
  }
}

/** The connector, each of its calls holding one of the system's slots. */
export function limitConcurrency(system: ConnectedSystem, connector: Connector): Connector {
  const { verify, start } = connector;
  return {
    execute: (work) => withSlot(system, () => connector.execute(work)),
    ...(verify ? { verify: (work: Parameters<typeof verify>[0]) => withSlot(system, () => verify.call(connector, work)) } : {}),
    // An async system's call holds its slot until it answers 202, not until its callback.
    ...(start ? { start: (work: Parameters<typeof start>[0], callback: Parameters<typeof start>[1]) => withSlot(system, () => start.call(connector, work, callback)) } : {}),
  };
}
