/**
 * The shared gate's decisions, on an in-memory store and a clock that moves only when the gate
 * sleeps: leases of the call's timeout plus the margin, random slot order, bounded jittered backoff
 * then a SystemBusyError (retried by the workflow apart), a take whose outcome is unknown given back, the store's own faults
 * turned into TransientSystemError (retried like a system's), and the slot given back whatever the
 * call did.
 */
import { describe, expect, it } from 'vitest';
import {
  leaseMsOf,
  SharedCallGate,
  type CallSlotStore,
  type LimitedSystem,
  type SlotLease,
} from '#core/connectors/call-slots.ts';
import { SystemBusyError, TransientSystemError } from '#core/shared/errors.ts';

/** Slots in a map, the register in a number; `now` is the test's clock. */
class MemorySlots implements CallSlotStore {
  slots = new Map<string, SlotLease>();
  next = new Map<string, number>();
  takes: SlotLease[] = [];
  givenBack: SlotLease[] = [];
  failTake?: Error;
  async take(lease: SlotLease, now: number) {
    this.takes.push({ ...lease });
    if (this.failTake) throw this.failTake;
    const k = `${lease.systemId}/${lease.slot}`;
    const held = this.slots.get(k);
    if (held && held.until >= now && held.leaseId !== lease.leaseId) return false;
    this.slots.set(k, { ...lease });
    return true;
  }
  async renew(lease: SlotLease) {
    const k = `${lease.systemId}/${lease.slot}`;
    if (this.slots.get(k)?.leaseId !== lease.leaseId) return false;
    this.slots.set(k, { ...lease });
    return true;
  }
  async giveBack(lease: SlotLease) {
    this.givenBack.push({ ...lease });
    const k = `${lease.systemId}/${lease.slot}`;
    if (this.slots.get(k)?.leaseId === lease.leaseId) this.slots.delete(k);
  }
  async bookStart(systemId: string, gapMs: number, now: number, latest: number) {
    const next = this.next.get(systemId) ?? 0;
    const at = Math.max(next, now);
    if (at > latest) return undefined;
    this.next.set(systemId, at + gapMs);
    return at;
  }
}

function clocked(store: CallSlotStore, over: { maxWaitMs?: number; random?: () => number } = {}) {
  let t = 1_000_000;
  const sleeps: number[] = [];
  const gate = new SharedCallGate(store, {
    now: () => t,
    sleep: async (ms) => {
      sleeps.push(ms);
      t += ms;
    },
    random: over.random ?? (() => 0.5),
    maxWaitMs: over.maxWaitMs ?? 5_000,
  });
  return { gate, sleeps, now: () => t, advance: (ms: number) => (t += ms) };
}

const http = (timeoutMs: number): LimitedSystem['connector'] => ({
  kind: 'http',
  url: 'https://x.example.com',
  mode: 'sync',
  timeoutMs,
});
const sys = (concurrency: number, over: Partial<LimitedSystem> = {}): LimitedSystem => ({
  systemId: 'crm',
  concurrency,
  connector: http(5_000),
  ...over,
});

describe('shared call gate', () => {
  it("a lease is the call's timeout plus the margin; kinds without a timeout get 30 s (renewed while they run)", () => {
    expect(leaseMsOf({ connector: http(2_000) }, 5_000)).toBe(7_000);
    expect(
      leaseMsOf({ connector: { kind: 'dynamodb', table: 'custodian-connected-x', keyAttribute: 'id' } }, 5_000),
    ).toBe(35_000);
  });

  it('takes a free slot under one lease id, runs the call, gives that slot back', async () => {
    const store = new MemorySlots();
    const { gate, now } = clocked(store);
    await expect(gate.run(sys(3), async () => 'done')).resolves.toBe('done');
    expect(store.takes).toHaveLength(1);
    expect(store.takes[0].until).toBe(now() + 10_000);
    expect(store.givenBack.map((l) => l.leaseId)).toEqual([store.takes[0].leaseId]);
    expect(store.slots.size).toBe(0);
  });

  it('tries the slots in a random order, not always slot 0 first', async () => {
    const firsts = new Set<number>();
    for (const r of [0, 0.3, 0.6, 0.99]) {
      const store = new MemorySlots();
      await clocked(store, { random: () => r }).gate.run(sys(4), async () => undefined);
      firsts.add(store.takes[0].slot);
    }
    expect(firsts.size).toBeGreaterThan(1);
  });

  it('all slots held: backs off with jitter, growing and capped, then gives up with a SystemBusyError (a transient one) after the wait', async () => {
    const store = new MemorySlots();
    for (const slot of [0, 1])
      store.slots.set(`crm/${slot}`, {
        systemId: 'crm',
        slot,
        leaseId: `other-${slot}`,
        until: Number.MAX_SAFE_INTEGER,
      });
    const { gate, sleeps } = clocked(store, { maxWaitMs: 5_000 });
    let called = false;
    const run = gate.run(sys(2), async () => (called = true));
    await expect(run).rejects.toBeInstanceOf(SystemBusyError);
    await expect(run).rejects.toBeInstanceOf(TransientSystemError);
    await expect(run).rejects.toMatchObject({ name: 'SystemBusyError' });
    await expect(run).rejects.toThrow('all 2 call slots of this system stayed taken for 5 s');
    expect(called).toBe(false);
    // random 0.5 of 50, 100, 200, ... capped at 1 000; the last sleep is cut at the deadline.
    expect(sleeps.slice(0, 6)).toEqual([25, 50, 100, 200, 400, 500]);
    expect(sleeps.reduce((a, b) => a + b, 0)).toBe(5_000);
    // Nobody else's slot was given back.
    expect([...store.slots.keys()].sort()).toEqual(['crm/0', 'crm/1']);
  });

  it('a slot whose lease ran out is taken; one still running is not', async () => {
    const store = new MemorySlots();
    const { gate, now } = clocked(store);
    store.slots.set('crm/0', { systemId: 'crm', slot: 0, leaseId: 'crashed', until: now() + 300 });
    await gate.run(sys(1), async () => undefined);
    // It waited past the crashed lease's end, then took the slot.
    expect(store.takes.at(-1)!.leaseId).not.toBe('crashed');
    expect(store.takes.filter((t) => t.leaseId !== 'crashed').length).toBeGreaterThan(1);
    expect(store.slots.size).toBe(0);
  });

  it('a take that failed (its outcome unknown) is given back, and the fault is a TransientSystemError that names no value', async () => {
    const store = new MemorySlots();
    store.failTake = Object.assign(new Error('socket hang up at 10.0.0.1'), { name: 'TimeoutError' });
    const { gate } = clocked(store);
    const run = gate.run(sys(1), async () => undefined);
    await expect(run).rejects.toBeInstanceOf(TransientSystemError);
    await expect(run).rejects.toThrow(/^call slots unavailable \(TimeoutError\)$/);
    expect(store.givenBack.map((l) => l.leaseId)).toEqual([store.takes[0].leaseId]);
  });

  it('a call that throws gives its slot back and its own error passes through unchanged', async () => {
    const store = new MemorySlots();
    const { gate } = clocked(store);
    const boom = new TypeError('boom');
    await expect(gate.run(sys(1), async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(store.slots.size).toBe(0);
  });

  it('a rate limit waits for the booked start; no start within the wait is a TransientSystemError, nothing held after', async () => {
    const store = new MemorySlots();
    const { gate, now, sleeps } = clocked(store, { maxWaitMs: 1_000 });
    const s = sys(5, { rateLimitPerSecond: 2 });
    const starts: number[] = [];
    await gate.run(s, async () => starts.push(now()));
    await gate.run(s, async () => starts.push(now()));
    expect(starts[1] - starts[0]).toBe(500);
    expect(sleeps).toEqual([500]);
    // The register far ahead: beyond the wait, refused, and the slot taken for it is given back.
    store.next.set('crm', now() + 10_000);
    await expect(gate.run(s, async () => undefined)).rejects.toThrow(SystemBusyError);
    await expect(gate.run(s, async () => undefined)).rejects.toThrow(/rate limit has no start free within 1 s/);
    expect(store.slots.size).toBe(0);
  });
});
