import { createServer, type IncomingMessage, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { customerInputSchema } from '#core/ecif/customer.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import { demoCustomers } from '#infra/local/demo/customers.ts';
import { seedDemo, SeedError } from '#infra/local/demo/seed.ts';

interface Seen {
  method: string;
  path: string;
  auth: string | undefined;
  contentType: string | undefined;
  body: unknown;
}

/** A stand-in for the API: records the calls, answers per `answer`, tracks how many are in flight. */
async function stubApi(answer: (s: Seen) => { status: number; body?: unknown }) {
  const seen: Seen[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const server: Server = createServer(async (req: IncomingMessage, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const s: Seen = {
      method: req.method!,
      path: req.url!,
      auth: req.headers.authorization,
      contentType: req.headers['content-type'],
      body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
    };
    seen.push(s);
    await new Promise((r) => setTimeout(r, 5));
    const a = answer(s);
    inFlight--;
    res.writeHead(a.status, { 'content-type': a.status >= 400 ? 'application/problem+json' : 'application/json' });
    res.end(JSON.stringify(a.body ?? {}));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  stops.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${port}`, seen, maxInFlight: () => maxInFlight };
}

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const s of stops.splice(0)) await s();
});

const customers = demoCustomers(42, 30);
const base = {
  stewardToken: 'steward-tok',
  operatorToken: 'operator-tok',
  crmUrl: 'http://127.0.0.1:4010/webhook',
  coreBankingTable: 'core-tbl',
  customers,
};

describe('seedDemo', () => {
  it('registers both systems as operator, then upserts every customer as steward, 8 at a time', async () => {
    const api = await stubApi((s) => ({ status: s.path.endsWith('C000003') ? 200 : 201 }));
    const result = await seedDemo({ ...base, apiUrl: `${api.url}/` });
    expect(result).toEqual({ systems: 2, created: 29, updated: 1, keptErased: [], signingKeys: {} });

    const systems = api.seen.filter((s) => s.path.startsWith('/v1/systems/'));
    expect(systems.map((s) => s.path)).toEqual(['/v1/systems/crm', '/v1/systems/core-banking']);
    expect(api.seen.slice(0, 2)).toEqual(systems);
    for (const s of systems) {
      expect(s).toMatchObject({ method: 'PUT', auth: 'Bearer operator-tok', contentType: 'application/json' });
      expect(systemInputSchema.safeParse(s.body).success).toBe(true);
    }
    expect(systems[0].body).toMatchObject({ connector: { kind: 'http', url: base.crmUrl } });
    expect(systems[1].body).toMatchObject({
      connector: { kind: 'dynamodb', table: 'core-tbl', keyAttribute: 'accountId' },
    });

    const puts = api.seen.filter((s) => s.path.startsWith('/v1/ecif/customers/'));
    expect(puts.map((s) => s.path).sort()).toEqual(customers.map((c) => `/v1/ecif/customers/${c.ecifId}`));
    for (const s of puts) {
      expect(s).toMatchObject({ method: 'PUT', auth: 'Bearer steward-tok' });
      const c = customers.find((x) => s.path.endsWith(x.ecifId))!;
      expect(s.body).toEqual(c.input);
      expect(customerInputSchema.safeParse(s.body).success).toBe(true);
    }
    expect(api.maxInFlight()).toBeGreaterThan(1);
    expect(api.maxInFlight()).toBeLessThanOrEqual(8);
  });

  it('leaves customers erased in an earlier run erased (409 erased / suppressed)', async () => {
    const api = await stubApi((s) =>
      s.path.endsWith('C000002')
        ? {
            status: 409,
            body: { type: 'https://custodian.dev/problems/conflict', title: 'Conflict', status: 409, reason: 'erased' },
          }
        : s.path.endsWith('C000005')
          ? {
              status: 409,
              body: {
                type: 'https://custodian.dev/problems/suppressed',
                title: 'Conflict',
                status: 409,
                reason: 'suppressed',
              },
            }
          : { status: 201 },
    );
    const result = await seedDemo({ ...base, apiUrl: api.url, concurrency: 3 });
    expect(result).toEqual({
      systems: 2,
      created: 28,
      updated: 0,
      keptErased: ['C000002', 'C000005'],
      signingKeys: {},
    });
    expect(api.maxInFlight()).toBeLessThanOrEqual(3);
  });

  it('fails with the call, status and problem title, never the detail or any personal value', async () => {
    const victim = customers[6];
    const api = await stubApi((s) =>
      s.path.endsWith(victim.ecifId)
        ? {
            status: 422,
            body: {
              type: 'https://custodian.dev/problems/invalid-input',
              title: 'Unprocessable Content',
              status: 422,
              detail: `bad email ${victim.email}`,
              errors: [{ path: 'emails.0', message: 'x', code: 'custom' }],
            },
          }
        : { status: 201 },
    );
    const err = await seedDemo({ ...base, apiUrl: api.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedError);
    expect((err as SeedError).status).toBe(422);
    expect((err as Error).message).toBe(
      `demo seed: PUT /v1/ecif/customers/${victim.ecifId} answered 422 Unprocessable Content (invalid-input) at emails.0`,
    );
    expect((err as Error).message).not.toContain(victim.email);
  });

  it('fails early when a system cannot be registered', async () => {
    const api = await stubApi((s) =>
      s.path === '/v1/systems/core-banking'
        ? { status: 403, body: { title: 'Forbidden', status: 403 } }
        : { status: 201 },
    );
    await expect(seedDemo({ ...base, apiUrl: api.url })).rejects.toThrow(
      'demo seed: PUT /v1/systems/core-banking answered 403 Forbidden',
    );
    expect(api.seen.some((s) => s.path.startsWith('/v1/ecif/'))).toBe(false);
  });

  it('says so when the API is unreachable', async () => {
    const api = await stubApi(() => ({ status: 201 }));
    await stops.pop()!();
    const err = await seedDemo({ ...base, apiUrl: api.url }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SeedError);
    expect((err as Error).message).toMatch(
      /^demo seed: PUT \/v1\/systems\/crm could not reach the API \(ECONNREFUSED\)$/,
    );
  });
});
