/**
 * The vendor's rate-limit headers, as a definition names them (HubSpot 2: X-HubSpot-RateLimit-Remaining
 * and the window's length): a spent quota holds the system's next starts through the call gate (the
 * shared one in AWS: the same holdStarts a 429 uses), a short wait is taken inside the call, a long one
 * fails the step as busy before anything is sent; version 1 of the definition, without them, ignores them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { limitConcurrency, processCallGate } from '#adapters/connectors/concurrency.ts';
import { connectorFor } from '#adapters/connectors/registry.ts';
import { rateLimitHold } from '#adapters/connectors/rest/vendor-http.ts';
import type { CallGate, LimitedSystem } from '#core/connectors/call-slots.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { type ConnectedSystem, systemInputSchema } from '#core/connectors/system.ts';
import { SystemThrottledError } from '#core/shared/errors.ts';
import { startVendorApi, type VendorApi } from '#infra/local/demo/vendor-api.ts';

const token = 'pat-rate-limit-test';
let api: VendorApi;
const contact = { firstname: 'Ada', email: 'ada@example.net', phone: '+442079460000' };

beforeAll(async () => {
  api = await startVendorApi({ kind: 'hubspot', secret: token, records: { contact: { '901': contact } } });
  process.env.CONNECTOR_SECRET_RATE_HUBSPOT = token;
});
afterAll(async () => {
  await api?.stop();
  delete process.env.CONNECTOR_SECRET_RATE_HUBSPOT;
});

const system = (systemId: string, definitionVersion = '2'): ConnectedSystem => ({
  ...systemInputSchema.parse({
    name: systemId,
    connector: { kind: 'rest', definition: 'hubspot', definitionVersion, baseUrl: api.url, secretRef: 'rate_hubspot' },
    capabilities: ['erase', 'access'],
    fields: [{ name: 'firstname', category: 'identity', strategy: 'delete_row' }],
  }),
  systemId,
  updatedAt: '2026-12-01T00:00:00.000Z',
});

/** The process gate, its holds recorded (the shared gate takes the same calls). */
function recording(): CallGate & { holds: number[] } {
  const holds: number[] = [];
  return {
    holds,
    run: (s, call) => processCallGate.run(s, call),
    holdStarts: async (s: LimitedSystem, until: number) => {
      holds.push(until);
      await processCallGate.holdStarts!(s, until);
    },
  };
}

const work = (s: ConnectedSystem, action: 'access' | 'erase'): SystemWork => ({
  requestId: 'r1',
  system: s,
  action,
  localId: '901',
  fields: s.fields,
  idempotencyKey: `r1:${s.systemId}:${action}`,
});

const spent = (ms: number) =>
  api.answerHeaders({ 'X-HubSpot-RateLimit-Remaining': '0', 'X-HubSpot-RateLimit-Interval-Milliseconds': String(ms) });

describe('a vendor’s rate-limit headers', () => {
  it('a spent quota holds the system’s next starts until the window ends; the next call waits it out', async () => {
    const s = system('rate-a');
    const gate = recording();
    spent(800);
    const before = Date.now();
    await limitConcurrency(s, connectorFor(s, { hashKey: 'k' }), gate).execute(work(s, 'access'));
    expect(gate.holds).toHaveLength(1);
    expect(gate.holds[0]).toBeGreaterThanOrEqual(before + 800);
    api.answerHeaders({});
    const started = Date.now();
    await limitConcurrency(s, connectorFor(s, { hashKey: 'k' }), gate).execute(work(s, 'access'));
    expect(Date.now()).toBeGreaterThanOrEqual(gate.holds[0]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(gate.holds[0] - started - 5);
  });

  it('a long window: the next call in the same step is not sent; the step is busy for as long, the record unchanged', async () => {
    const s = system('rate-b');
    const gate = recording();
    spent(60_000);
    const calls = api.calls.length;
    const err = await limitConcurrency(s, connectorFor(s, { hashKey: 'k' }), gate)
      .execute(work(s, 'erase'))
      .catch((e: unknown) => e);
    api.answerHeaders({});
    expect(err).toBeInstanceOf(SystemThrottledError);
    expect((err as SystemThrottledError).retryAfterMs).toBeGreaterThan(55_000);
    // The read went out; the delete did not.
    expect(api.calls.slice(calls).map((c) => c.method)).toEqual(['GET']);
    expect(api.store.get('contact')?.get('901')).toEqual(contact);
    expect(gate.holds).toHaveLength(1);
  });

  it('quota left, or version 1 of the definition (no rate-limit headers in it): no hold', async () => {
    const gate = recording();
    api.answerHeaders({ 'X-HubSpot-RateLimit-Remaining': '7', 'X-HubSpot-RateLimit-Interval-Milliseconds': '800' });
    const left = system('rate-c');
    await limitConcurrency(left, connectorFor(left, { hashKey: 'k' }), gate).execute(work(left, 'access'));
    spent(800);
    const v1 = system('rate-d', '1');
    await limitConcurrency(v1, connectorFor(v1, { hashKey: 'k' }), gate).execute(work(v1, 'access'));
    api.answerHeaders({});
    expect(gate.holds).toEqual([]);
  });

  it('reads seconds, milliseconds and epoch seconds; a missing reset is a second; a broken remaining nothing', () => {
    const now = 1_800_000_000_000;
    const rule = (resetIn: 'seconds' | 'milliseconds' | 'epoch_seconds') => ({
      remaining: 'X-RateLimit-Remaining',
      reset: 'X-RateLimit-Reset',
      resetIn,
      floor: 0,
    });
    const h = (remaining: string, reset?: string) =>
      new Headers({ 'X-RateLimit-Remaining': remaining, ...(reset ? { 'X-RateLimit-Reset': reset } : {}) });
    expect(rateLimitHold(h('0', '30'), rule('seconds'), now)).toBe(now + 30_000);
    expect(rateLimitHold(h('0', '250'), rule('milliseconds'), now)).toBe(now + 250);
    expect(rateLimitHold(h('0', String(now / 1000 + 12)), rule('epoch_seconds'), now)).toBe(now + 12_000);
    expect(rateLimitHold(h('0'), rule('seconds'), now)).toBe(now + 1_000);
    expect(rateLimitHold(h('0', '999999999'), rule('seconds'), now)).toBe(now + 600_000);
    expect(rateLimitHold(h('3', '30'), rule('seconds'), now)).toBeUndefined();
    expect(rateLimitHold(h('many', '30'), rule('seconds'), now)).toBeUndefined();
  });
});
