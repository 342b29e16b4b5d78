/**
 * Hostile input, thrown at every route of the route table (fast-check, bounded): invalid JSON,
 * wrong types, extra fields, huge and deep values, `__proto__` keys, invalid UTF-8, odd Unicode,
 * bad path parameters, wrong content types, bodies over the limit. Every answer is a 4xx problem
 * document, never a 5xx, and the tables hold exactly what they held before.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { routeTable, type RouteSpec } from '#handlers/http/routes.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0 });
  for (const role of ['customer', 'crm', 'auditor', 'operator', 'steward'] as const)
    tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => runtime?.stop());

async function counts(): Promise<number[]> {
  return Promise.all(
    Object.values(runtime.tables).map(
      async (t) =>
        (await runtime.dynamo.client.send(new ScanCommand({ TableName: t, Select: 'COUNT', ConsistentRead: true })))
          .Count ?? 0,
    ),
  );
}

const fixed: { name: string; body: string | Buffer; type?: string }[] = [
  { name: 'invalid JSON', body: '{"a":' },
  { name: 'proto pollution', body: '{"__proto__":{"isAdmin":true},"constructor":{"prototype":{"polluted":1}}}' },
  { name: 'deep nesting', body: `${'['.repeat(5000)}${']'.repeat(5000)}` },
  { name: 'huge string', body: JSON.stringify({ name: 'x'.repeat(300 * 1024) }) },
  {
    name: 'huge array',
    body: JSON.stringify({ choices: Array.from({ length: 20000 }, () => ({ purpose: 'marketing' })) }),
  },
  { name: 'invalid UTF-8', body: Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  {
    name: 'odd Unicode',
    body: JSON.stringify({
      type: 'erasure\u0000',
      identifiers: { email: '\ud800@example.com' },
      jurisdiction: 'GDPR\u202e',
    }),
  },
  { name: 'wrong content type', body: 'type=erasure', type: 'application/x-www-form-urlencoded' },
  { name: 'empty body', body: '' },
  { name: 'null', body: 'null' },
];

const pathValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.constantFrom('..%2F..', '%00', 'a'.repeat(300), '%F0%9F%92%A9', '$(id)', "' OR 1=1 --"),
);

function url(route: RouteSpec, value: string): string {
  return route.path.replace(/\{\w+\}/g, () => encodeURIComponent(value).replace(/%25/g, '%'));
}

async function send(route: RouteSpec, path: string, body: string | Buffer | undefined, type = 'application/json') {
  const role = route.auth === 'jwt' ? route.roles[0] : undefined;
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method: route.method,
    headers: {
      ...(body !== undefined ? { 'content-type': type } : {}),
      ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}),
    },
    body: route.method === 'GET' ? undefined : body,
  });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type') ?? '', text };
}

function expectRefusal(r: { status: number; type: string; text: string }, what: string) {
  expect(r.status, `${what}: ${r.text.slice(0, 200)}`).toBeLessThan(500);
  if (r.status >= 400 && r.status !== 401) {
    expect(r.type, what).toMatch(/^application\/(problem\+)?json/);
  }
}

const writes = routeTable.filter((r) => r.method !== 'GET') as readonly RouteSpec[];
const all = routeTable as readonly RouteSpec[];

describe('hostile input', () => {
  it.each(writes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: fixed nasties are 4xx and write nothing',
    async (_k, route) => {
      const before = await counts();
      for (const f of fixed) {
        const r = await send(route, url(route, 'C000001'), f.body, f.type);
        expectRefusal(r, f.name);
        expect(r.status, f.name).toBeGreaterThanOrEqual(400);
      }
      expect(await counts()).toEqual(before);
    },
  );

  it.each(writes.map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: arbitrary JSON bodies are 4xx and write nothing',
    async (_k, route) => {
      const before = await counts();
      await fc.assert(
        fc.asyncProperty(fc.jsonValue({ maxDepth: 4 }), async (value) => {
          const r = await send(route, url(route, 'C000001'), JSON.stringify(value));
          expectRefusal(r, JSON.stringify(value).slice(0, 80));
          expect(r.status).toBeGreaterThanOrEqual(400);
        }),
        { numRuns: 25 },
      );
      expect(await counts()).toEqual(before);
    },
  );

  it.each(all.filter((r) => r.path.includes('{')).map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: odd path parameters never crash it',
    async (_k, route) => {
      const before = await counts();
      await fc.assert(
        fc.asyncProperty(pathValue, async (value) => {
          const r = await send(route, url(route, value), route.method === 'GET' ? undefined : '{}');
          expectRefusal(r, value);
        }),
        { numRuns: 25 },
      );
      if (route.method !== 'GET') expect(await counts()).toEqual(before);
    },
  );

  it('bodies over the gateway limit get 413', async () => {
    const route = routeTable.find((r) => r.handler === 'submit-privacy-request')!;
    const r = await send(route, route.path, Buffer.alloc(10 * 1024 * 1024 + 1, 0x20));
    expect(r.status).toBe(413);
  });
});
