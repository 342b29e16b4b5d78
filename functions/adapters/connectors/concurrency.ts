/**
 * A connected system's `concurrency` (systems registry): at most that many calls in flight to it;
 * the others wait their turn. Its `rateLimitPerSecond`, when set: call starts at least 1/rate
 * seconds apart (a quota the system enforces, kept before it has to refuse). Without it, a bulk
 * erasure opens a connection per request to the same webhook at once (500 requests, 500
 * connections): beyond the system's accept backlog connections are dropped, calls time out,
 * requests end `needs_attention`.
 *
 * Two gates hold those limits: `processCallGate` here, exact within one process and free (the
 * local runtime's default), and the shared one (core/connectors/call-slots.ts), leases in DynamoDB
 * that bound every Lambda instance together. handlers/deps.ts picks one (SYSTEM_LIMITS).
 */
import type { CallGate, LimitedSystem } from '#core/connectors/call-slots.ts';
import type { Connector } from '#core/connectors/connector.ts';

interface Gate {
  inFlight: number;
  waiting: (() => void)[];
  /** When the next call may start, under the rate limit (epoch ms). */
  nextStartAt: number;
}

const gates = new Map<string, Gate>();

/** The limits within this process: waiting callers are served in the order they came. */
export const processCallGate: CallGate = {
  async run<T>(system: LimitedSystem, call: () => Promise<T>): Promise<T> {
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
  },
};

/** The connector, each of its calls run through the gate (one slot per call). */
export function limitConcurrency(
  system: LimitedSystem,
  connector: Connector,
  gate: CallGate = processCallGate,
): Connector {
  const { verify, start } = connector;
  return {
    execute: (work) => gate.run(system, () => connector.execute(work)),
    ...(verify
      ? { verify: (work: Parameters<typeof verify>[0]) => gate.run(system, () => verify.call(connector, work)) }
      : {}),
    // An async system's call holds its slot until it answers 202, not until its callback.
    ...(start
      ? {
          start: (work: Parameters<typeof start>[0], callback: Parameters<typeof start>[1]) =>
            gate.run(system, () => start.call(connector, work, callback)),
        }
      : {}),
  };
}
