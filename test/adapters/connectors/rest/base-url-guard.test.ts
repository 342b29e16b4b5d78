/**
 * A rest system's calls held to the webhook's address rule at call time too: a base URL (or a token
 * endpoint) that leads where this deployment does not call is refused before anything is sent,
 * credentials included, naming the range and never the address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorFor } from '#adapters/connectors/registry.ts';
import { WebhookAddressGuard } from '#adapters/connectors/webhook-addresses.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { type ConnectedSystem, systemInputSchema } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { startVendorApi, type VendorApi } from '#infra/local/demo/vendor-api.ts';

let api: VendorApi;
beforeAll(async () => {
  api = await startVendorApi({
    kind: 'stripe',
    secret: 'rk_guard',
    records: { customer: { cus_1: { email: 'a@b.c' } } },
  });
  process.env.CONNECTOR_SECRET_GUARD_STRIPE = 'rk_guard';
});
afterAll(async () => {
  await api?.stop();
  delete process.env.CONNECTOR_SECRET_GUARD_STRIPE;
});

const system = (): ConnectedSystem => ({
  ...systemInputSchema.parse({
    name: 'stripe',
    connector: { kind: 'rest', definition: 'stripe', baseUrl: api.url, secretRef: 'guard_stripe' },
    capabilities: ['erase'],
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
  }),
  systemId: 'guarded',
  updatedAt: '2026-12-01T00:00:00.000Z',
});
const work = (s: ConnectedSystem): SystemWork => ({
  requestId: 'r1',
  system: s,
  action: 'erase',
  localId: 'cus_1',
  fields: s.fields,
  idempotencyKey: 'r1:guarded:erase',
});

describe('a rest system’s base URL at call time', () => {
  it('leading to loopback where the deployment allows none: refused permanently, nothing sent', async () => {
    const s = system();
    const guard = new WebhookAddressGuard(() => 'none');
    const err = await connectorFor(s, { hashKey: 'k', addresses: guard })
      .execute(work(s))
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSystemError);
    expect((err as Error).message).toMatch(/does not call \(loopback\)/);
    expect((err as Error).message).not.toContain('127.0.0.1');
    expect(api.calls).toEqual([]);
  });

  it('allowed (the runtime’s own system on its port): called', async () => {
    const s = system();
    const guard = new WebhookAddressGuard(() => new Set([Number(new URL(api.url).port)]));
    const outcome = await connectorFor(s, { hashKey: 'k', addresses: guard }).execute(work(s));
    expect(outcome.recordsAffected).toBe(1);
    expect(api.calls.length).toBeGreaterThan(0);
  });
});
