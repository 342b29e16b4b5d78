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
import { SystemBusyError, SystemThrottledError } from '#core/shared/errors.ts';

interface Gate {
  inFlight: number;
  waiting: (() => void)[];
  /** When the next call may start, under the rate limit (epoch ms). */
  nextStartAt: number;
  /** No call starts before this: the system answered 429 with a Retry-After (epoch ms). */
  heldUntil: number;
}

/** A hold longer than this is not waited out in the call: the step is retried as busy, later. */
const MAX_HOLD_WAIT_MS = 20_000;

function gateOf(systemId: string): Gate {
  let gate = gates.get(systemId);
  if (!gate) gates.set(systemId, (gate = { inFlight: 0, waiting: [], nextStartAt: 0, heldUntil: 0 }));
  return gate;
}

const gates = new Map<string, Gate>();

/** The limits within this process: waiting callers are served in the order they came. */
export const processCallGate: CallGate = {
  async run<T>(system: LimitedSystem, call: () => Promise<T>): Promise<T> {
    const gate = gateOf(system.systemId);
    if (gate.heldUntil - Date.now() > MAX_HOLD_WAIT_MS)
      throw new SystemBusyError(
        `this system asked for ${Math.ceil((gate.heldUntil - Date.now()) / 1000)} s without calls`,
      );
    // The limit as registered now: a re-registration takes effect on the next call.
    if (gate.inFlight >= system.concurrency) await new Promise<void>((resolve) => gate.waiting.push(resolve));
    else gate.inFlight++;
    try {
      // Each call books the next start slot, so callers are spaced in the order they got here (and
      // wait out a hold the system's 429 put on its starts).
      if (system.rateLimitPerSecond || gate.heldUntil > Date.now()) {
        const now = Date.now();
        const startAt = Math.max(now, gate.nextStartAt, gate.heldUntil);
        gate.nextStartAt = startAt + (system.rateLimitPerSecond ? 1000 / system.rateLimitPerSecond : 0);
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

  async holdStarts(system: LimitedSystem, until: number): Promise<void> {
    const gate = gateOf(system.systemId);
    gate.heldUntil = Math.max(gate.heldUntil, until);
  },
};

/** The connector, each of its calls run through the gate (one slot per call). */
export function limitConcurrency(
  system: LimitedSystem,
  connector: Connector,
  gate: CallGate = processCallGate,
): Connector {
  const { verify, start } = connector;
  // A spent quota in the system's rate-limit headers holds its next starts, as a 429 does.
  const slowed = async () => {
    const until = connector.slowedUntil?.();
    if (until) await gate.holdStarts?.(system, until).catch(() => undefined);
  };
  // A call the system throttled (429, Retry-After) holds the system's next starts; the step is retried as busy.
  const run = <T>(call: () => Promise<T>) =>
    gate.run(system, call).then(
      async (value) => {
        await slowed();
        return value;
      },
      async (err: unknown) => {
        if (err instanceof SystemThrottledError)
          await gate.holdStarts?.(system, Date.now() + err.retryAfterMs).catch(() => undefined);
        else await slowed();
        throw err;
      },
    );
  return {
    execute: (work) => run(() => connector.execute(work)),
    ...(verify ? { verify: (work: Parameters<typeof verify>[0]) => run(() => verify.call(connector, work)) } : {}),
    // An async system's call holds its slot until it answers 202, not until its callback.
    ...(start
      ? {
          start: (work: Parameters<typeof start>[0], callback: Parameters<typeof start>[1]) =>
            run(() => start.call(connector, work, callback)),
        }
      : {}),
  };
}
