export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock for tests and replays: fixed until moved. */
export function fixedClock(at: Date | string): Clock & { advance(ms: number): void } {
  let t = new Date(at).getTime();
  return {
    now: () => new Date(t),
    advance(ms: number) {
      t += ms;
    },
  };
}
