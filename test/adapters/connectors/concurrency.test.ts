/**
 * A connected system gets at most its registered `concurrency` calls at once, however many requests
 * reach it together (a bulk erasure once opened one connection per request and the webhook dropped
 * them); the rest wait their turn and all go through. Systems do not wait for each other. Through the
 * real http connector, against a webhook server that holds each call a little.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitConcurrency } from '#adapters/connectors/concurrency.ts';
import { HttpWebhookConnector } from '#adapters/connectors/http-webhook.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { answerDone } from '../../support/webhook-answer.ts';

const secret = 'concurrency-test-secret';
let server: Server;
let url: string;
const inFlight = new Map<string, number>();
const maxInFlight = new Map<string, number>();
/** When each system's calls reached the server (epoch ms). */
const arrivals = new Map<string, number[]>();
/** When the limiter let each system's calls start (performance.now()). */
const starts = new Map<string, number[]>();

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    arrivals.set(call.systemId, [...(arrivals.get(call.systemId) ?? []), Date.now()]);
    const n = (inFlight.get(call.systemId) ?? 0) + 1;
    inFlight.set(call.systemId, n);
    maxInFlight.set(call.systemId, Math.max(maxInFlight.get(call.systemId) ?? 0, n));
    await new Promise((r) => setTimeout(r, 25));
    inFlight.set(call.systemId, inFlight.get(call.systemId)! - 1);
    // An async call is accepted (its callback comes later, not from here).
    if (call.mode === 'async') {
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ idempotencyKey: call.idempotencyKey, accepted: true }));
      return;
    }
    answerDone(res, call);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhook`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function system(systemId: string, concurrency: number): ConnectedSystem {
  const input = systemInputSchema.parse({
    name: systemId,
    connector: { kind: 'http', url, timeoutMs: 5_000 },
    capabilities: ['erase', 'verify'],
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
    concurrency,
  });
  return { ...input, systemId, updatedAt: '2026-12-01T00:00:00.000Z' };
}

/** What the workflow does per request: the connector built for the system, erase, then read back. */
async function erase(s: ConnectedSystem, i: number) {
  const http = new HttpWebhookConnector(s.connector as Extract<ConnectedSystem['connector'], { kind: 'http' }>, secret);
  const started = () => starts.set(s.systemId, [...(starts.get(s.systemId) ?? []), performance.now()]);
  const connector = limitConcurrency(s, {
    execute: (w) => (started(), http.execute(w)),
    verify: (w) => (started(), http.verify(w)),
  });
  const work: SystemWork = {
    requestId: `R${i}`,
    system: s,
    action: 'erase',
    localId: `L${i}`,
    fields: s.fields,
    idempotencyKey: `R${i}:${s.systemId}:erase`,
  };
  const outcome = await connector.execute(work);
  const verified = await connector.verify!(work);
  return { outcome, verified };
}

describe("a system's registered concurrency", () => {
  it('30 requests reaching a system of concurrency 3 at once: never more than 3 calls in flight, all 30 succeed', async () => {
    const crm = system('crm-limited', 3);
    const results = await Promise.all(Array.from({ length: 30 }, (_, i) => erase(crm, i)));
    expect(results.every((r) => r.outcome.recordsAffected === 1 && r.verified?.verified)).toBe(true);
    expect(maxInFlight.get('crm-limited')).toBe(3);
  });

  it('two systems each fill their own slots at the same time', async () => {
    const a = system('sys-a', 2);
    const b = system('sys-b', 5);
    await Promise.all([
      ...Array.from({ length: 10 }, (_, i) => erase(a, i)),
      ...Array.from({ length: 10 }, (_, i) => erase(b, i)),
    ]);
    expect(maxInFlight.get('sys-a')).toBe(2);
    expect(maxInFlight.get('sys-b')).toBe(5);
  });

  it('an async system is asked under the same limit, and is still asked asynchronously', async () => {
    const s = {
      ...system('mkt-limited', 2),
      connector: { kind: 'http' as const, url, mode: 'async' as const, timeoutMs: 5_000 },
    };
    const connector = limitConcurrency(s, new HttpWebhookConnector(s.connector, secret));
    const started = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        connector.start!(
          {
            requestId: `A${i}`,
            system: s,
            action: 'erase',
            localId: `L${i}`,
            fields: s.fields,
            idempotencyKey: `A${i}:mkt-limited:erase`,
          },
          { path: `/v1/callbacks/A${i}/mkt-limited` },
        ),
      ),
    );
    expect(started.every((r) => r.accepted)).toBe(true);
    expect(maxInFlight.get('mkt-limited')).toBe(2);
  });

  it('a rate limit spaces the starts of the calls at least 1/rate apart, however many are in flight', async () => {
    const quota = { ...system('quota-api', 10), rateLimitPerSecond: 20 };
    const [t0, e0] = [performance.now(), Date.now()];
    await Promise.all(Array.from({ length: 6 }, (_, i) => erase(quota, i)));
    // What the limiter promises: the k-th start no sooner than k x 50 ms after the first could book (a timer's
    // rounding aside). A start may come later than booked (a late timer): only lower bounds, so load cannot break it.
    const times = [...starts.get('quota-api')!].sort((a, b) => a - b);
    expect(times).toHaveLength(12);
    for (const [k, t] of times.entries()) expect(t - t0).toBeGreaterThanOrEqual(k * 50 - 2);
    // And at the system, each call later still by its own latency.
    const arrived = [...arrivals.get('quota-api')!].sort((a, b) => a - b);
    expect(arrived).toHaveLength(12);
    for (const [k, t] of arrived.entries()) expect(t - e0).toBeGreaterThanOrEqual(k * 50 - 2);
  });

  it('the rate limit is part of the registration: validated, optional', () => {
    const base = { name: 'x', connector: { kind: 'http', url: 'https://x.example.com' }, capabilities: ['erase'] };
    expect(systemInputSchema.safeParse({ ...base, rateLimitPerSecond: 5 }).success).toBe(true);
    expect(systemInputSchema.safeParse({ ...base, rateLimitPerSecond: 0 }).success).toBe(false);
    expect(systemInputSchema.safeParse(base).data).not.toHaveProperty('rateLimitPerSecond');
  });

  it('a failed call gives its slot back', async () => {
    const broken = {
      ...system('sys-broken', 1),
      connector: { kind: 'http' as const, url: 'http://127.0.0.1:1/nothing', mode: 'sync' as const, timeoutMs: 500 },
    };
    const results = await Promise.allSettled(Array.from({ length: 4 }, (_, i) => erase(broken, i)));
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected', 'rejected']);
    // The limit is per system: one slot, and after four failures it is free again.
    const fine = { ...broken, connector: { ...broken.connector, url } };
    await expect(erase(fine, 99)).resolves.toMatchObject({ outcome: { recordsAffected: 1 } });
  });
});
