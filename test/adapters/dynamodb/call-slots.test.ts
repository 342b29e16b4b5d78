/**
 * A system's limits shared across instances, on DynamoDB Local (the synthesized requests table):
 * several gates, each with its own DynamoDB client as separate Lambda instances would have, call one
 * system. Its concurrency holds over all of them (counted at the system), a crashed holder's slot is
 * taken over once its lease ran out and not before, a slow call keeps its slot by renewing, a failed
 * call gives its slot back, and the rate limit books starts 1/rate apart over all instances. Only
 * lower bounds on time: the box is noisy.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps, resetDeps } from '#handlers/deps.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { DynamoCallSlots } from '#adapters/dynamodb/call-slots.ts';
import {
  SharedCallGate,
  type CallSlotStore,
  type LimitedSystem,
  type SharedGateOptions,
} from '#core/connectors/call-slots.ts';
import { SystemBusyError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';
import { allowLocalSystem } from '#infra/local/runtime.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

/** One Lambda instance's view: its own client, its own store, its own gate. */
function instance(options: SharedGateOptions = {}) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const store = new DynamoCallSlots(db, stores.tables.requests);
  return { store, gate: new SharedCallGate(store, { maxWaitMs: 60_000, ...options }) };
}

function system(concurrency: number, over: Partial<LimitedSystem> = {}): LimitedSystem {
  return {
    systemId: `sys-${newId()}`,
    concurrency,
    connector: { kind: 'http', url: 'https://crm.example.com/hook', mode: 'sync', timeoutMs: 5_000 },
    ...over,
  };
}

/** A connected system that counts the calls it is in at once. */
function fakeSystem(holdMs: number) {
  const seen = { inFlight: 0, max: 0, calls: 0, starts: [] as number[] };
  const call = async () => {
    seen.starts.push(Date.now());
    seen.max = Math.max(seen.max, ++seen.inFlight);
    await new Promise((r) => setTimeout(r, holdMs));
    seen.inFlight--;
    return ++seen.calls;
  };
  return { seen, call };
}

async function slotItems(systemId: string) {
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({}));
  const res = await db.send(
    new QueryCommand({
      TableName: stores.tables.requests,
      KeyConditionExpression: 'PK = :pk',
      ExpressionAttributeValues: { ':pk': `SLOT#${systemId}` },
      ConsistentRead: true,
    }),
  );
  return res.Items ?? [];
}

describe('shared call slots', () => {
  it('three instances, 30 calls to a system of concurrency 3: never more than 3 in flight at the system, all complete, no slot left held', async () => {
    const s = system(3);
    const target = fakeSystem(50);
    const gates = [instance(), instance(), instance()];
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => gates[i % 3].gate.run(s, target.call)));
    expect(results).toHaveLength(30);
    expect(target.seen.calls).toBe(30);
    expect(target.seen.max).toBeLessThanOrEqual(3);
    // Calls did overlap: the slots are shared, not one global lock.
    expect(target.seen.max).toBeGreaterThan(1);
    expect(await slotItems(s.systemId)).toEqual([]);
  });

  it("a crashed holder's slot is not taken while its lease runs, and is taken over once it ran out", async () => {
    const s = system(1);
    const { store, gate } = instance();
    const until = Date.now() + 800;
    // A Lambda that took the only slot and died: nobody gives it back.
    expect(await store.take({ systemId: s.systemId, slot: 0, leaseId: 'crashed', until }, Date.now())).toBe(true);
    expect(
      await store.take({ systemId: s.systemId, slot: 0, leaseId: 'other', until: Date.now() + 1000 }, Date.now()),
    ).toBe(false);
    const target = fakeSystem(0);
    await gate.run(s, target.call);
    expect(target.seen.calls).toBe(1);
    expect(target.seen.starts[0]).toBeGreaterThanOrEqual(until);
    // The crashed holder coming back cannot free the slot of the one that took it over.
    const taker = { systemId: s.systemId, slot: 0, leaseId: 'taker', until: Date.now() + 60_000 };
    expect(await store.take(taker, Date.now())).toBe(true);
    await store.giveBack({ systemId: s.systemId, slot: 0, leaseId: 'crashed', until });
    expect((await slotItems(s.systemId)).map((i) => i.leaseId)).toEqual(['taker']);
    // Giving back twice is the same as once.
    await store.giveBack(taker);
    await store.giveBack(taker);
    expect(await slotItems(s.systemId)).toEqual([]);
  });

  it('a call longer than its lease keeps its slot (renewed while it runs); a caller that cannot get one gives up with a SystemBusyError', async () => {
    // Lease: 500 ms timeout + 100 ms margin, renewed every 200 ms.
    const s = system(1, {
      connector: { kind: 'http', url: 'https://crm.example.com/hook', mode: 'sync', timeoutMs: 500 },
    });
    const holder = instance({ leaseMarginMs: 100 });
    const waiter = instance({ leaseMarginMs: 100, maxWaitMs: 1_500 });
    const target = fakeSystem(2_500);
    const held = holder.gate.run(s, target.call);
    await new Promise((r) => setTimeout(r, 100));
    const refused = waiter.gate.run(s, target.call);
    await expect(refused).rejects.toBeInstanceOf(SystemBusyError);
    await expect(refused).rejects.toThrow(/call slots of this system stayed taken/);
    await held;
    expect(target.seen.max).toBe(1);
    expect(target.seen.calls).toBe(1);
  });

  it("a failed call gives its slot back: the next caller gets it at once, the error is the call's own", async () => {
    const s = system(1);
    const a = instance();
    const boom = new Error('system said no');
    await expect(a.gate.run(s, async () => Promise.reject(boom))).rejects.toBe(boom);
    expect(await slotItems(s.systemId)).toEqual([]);
    // A leaked slot would hold for 10 s (5 s timeout + 5 s margin): this caller waits 1 s at most.
    const b = instance({ maxWaitMs: 1_000 });
    await expect(b.gate.run(s, async () => 'ok')).resolves.toBe('ok');
  });

  it('a rate limit over three instances: starts are booked 1/rate apart, and no call starts before its booking', async () => {
    const s = system(10, { rateLimitPerSecond: 10 });
    const booked: number[] = [];
    const recording = (store: CallSlotStore): CallSlotStore => ({
      take: (l, now) => store.take(l, now),
      renew: (l) => store.renew(l),
      giveBack: (l) => store.giveBack(l),
      bookStart: async (...args) => {
        const at = await store.bookStart(...args);
        if (at !== undefined) booked.push(at);
        return at;
      },
      holdStarts: (id, until) => store.holdStarts(id, until),
    });
    const gates = [0, 1, 2].map(() => {
      const { store } = instance();
      return new SharedCallGate(recording(store), { maxWaitMs: 60_000 });
    });
    const target = fakeSystem(5);
    await Promise.all(Array.from({ length: 9 }, (_, i) => gates[i % 3].run(s, target.call)));
    expect(booked).toHaveLength(9);
    const b = [...booked].sort((x, y) => x - y);
    for (let i = 1; i < b.length; i++) expect(b[i] - b[i - 1]).toBeGreaterThanOrEqual(100 - 1e-6);
    // The i-th start is no earlier than the i-th booking (1 ms for timer rounding): by b[0] + i/rate, at most i + 1 had started.
    const starts = [...target.seen.starts].sort((x, y) => x - y);
    for (let i = 0; i < starts.length; i++) expect(starts[i]).toBeGreaterThanOrEqual(b[i] - 1);
    expect(starts[8] - b[0]).toBeGreaterThanOrEqual(800 - 1);
  });

  it('a rest system held by its 429 (Retry-After): no instance starts a call to it before the hold ends', async () => {
    const s = system(4, {
      connector: {
        kind: 'rest',
        definition: 'stripe',
        baseUrl: 'https://api.stripe.com',
        settings: {},
        secretRef: 'stripe',
        timeoutMs: 5_000,
      },
    });
    const [a, b] = [instance(), instance()];
    const until = Date.now() + 600;
    await a.gate.holdStarts(s, until);
    // A shorter hold after it does not shorten it.
    await b.gate.holdStarts(s, until - 400);
    const target = fakeSystem(1);
    await Promise.all([a.gate.run(s, target.call), b.gate.run(s, target.call)]);
    for (const start of target.seen.starts) expect(start).toBeGreaterThanOrEqual(until - 1);
    // A hold beyond the longest wait is not waited out: the step is retried as busy.
    const c = instance({ maxWaitMs: 200 });
    await c.gate.holdStarts(s, Date.now() + 5_000);
    await expect(c.gate.run(s, target.call)).rejects.toBeInstanceOf(SystemBusyError);
  });

  it('the handlers take the shared gate where SYSTEM_LIMITS=shared (as CDK sets it), the process gate by default', async () => {
    // The webhook looks, while each call is at it, at which slots of its system are held.
    const heldDuringCall: number[] = [];
    let systemId = '';
    const server = createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      heldDuringCall.push((await slotItems(systemId)).length);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          idempotencyKey: call.idempotencyKey,
          status: 'succeeded',
          recordsAffected: 1,
          fieldsChanged: ['email'],
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    // A system this test starts itself: the one loopback port it may call.
    allowLocalSystem(url);
    const run = async (limits: string | undefined) => {
      systemId = `sys-${newId()}`;
      if (limits) process.env.SYSTEM_LIMITS = limits;
      else delete process.env.SYSTEM_LIMITS;
      process.env.CONNECTOR_SIGNING_SECRET = 'call-slots-test-signing-secret';
      resetDeps();
      const input = systemInputSchema.parse({
        name: 'crm',
        connector: { kind: 'http', url, sharedSecret: true },
        capabilities: ['erase'],
        fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        concurrency: 2,
      });
      const sys: ConnectedSystem = { ...input, systemId, updatedAt: new Date().toISOString() };
      const connector = (await deps()).connectorFor(sys);
      await connector.execute({
        requestId: 'R1',
        system: sys,
        action: 'erase',
        localId: 'L1',
        fields: sys.fields,
        idempotencyKey: `R1:${systemId}:erase`,
      });
      return slotItems(systemId);
    };
    try {
      expect(await run('shared')).toEqual([]);
      expect(heldDuringCall).toEqual([1]);
      expect(await run(undefined)).toEqual([]);
      expect(heldDuringCall).toEqual([1, 0]);
    } finally {
      delete process.env.SYSTEM_LIMITS;
      delete process.env.CONNECTOR_SIGNING_SECRET;
      resetDeps();
      await new Promise<void>((r) => server.close(() => r()));
    }
  });
});
