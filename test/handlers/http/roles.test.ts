/**
 * The role table, walked whole: every JWT route refuses every role it does not list (403) and a
 * request without claims (401), as RFC 9457 problem details, before any store is touched.
 * (Allowed roles reach their use case: the end-to-end tests drive those against DynamoDB Local.)
 */
import { describe, expect, it } from 'vitest';
import { buildEvent } from '#infra/local/gateway.ts';
import { invokeBuffered, isStreamingHandler } from '#infra/local/lambda-streaming.ts';
import { roles, routeTable } from '#handlers/http/routes.ts';
import { roleOf } from '#handlers/middleware/auth.ts';

// No table, no endpoint: a route that reached a store would fail loudly, not pass.
process.env.TABLE_ECIF =
  process.env.TABLE_CONSENT =
  process.env.TABLE_REQUESTS =
  process.env.TABLE_AUDIT =
    'not-a-table';
process.env.IDENTIFIER_PEPPER = 'test-pepper-0123456789';
process.env.AWS_ENDPOINT_URL_DYNAMODB = 'http://127.0.0.1:9';

const jwtRoutes = routeTable.filter((r) => r.auth === 'jwt');
const samplePath = (path: string) =>
  path.replace(/\{(\w+)\}/g, (_, name) => (name === 'id' ? '01J00000000000000000000000' : 'C000001'));

async function call(route: (typeof routeTable)[number], claims?: Record<string, string>) {
  const { handler } = await import(`#handlers/http/${route.handler}.ts`);
  const pathParameters = Object.fromEntries(
    [...route.path.matchAll(/\{(\w+)\}/g)].map(([, n]) => [n, n === 'id' ? '01J00000000000000000000000' : 'C000001']),
  );
  const event = buildEvent(
    {
      method: route.method,
      url: samplePath(route.path),
      headers: { 'content-type': 'application/json' },
      body: Buffer.from('{}'),
    },
    `${route.method} ${route.path}`,
    pathParameters,
    claims ? { claims, scopes: [] } : null,
  );
  // A streamed route answers a refusal through its response stream: read it whole.
  return (isStreamingHandler(handler) ? invokeBuffered(handler, event) : handler(event, {})) as Promise<{
    statusCode: number;
    headers: Record<string, string>;
    body: string;
  }>;
}

const refusals = jwtRoutes.flatMap((route) =>
  roles
    .filter((role) => !(route.roles as readonly string[]).includes(role))
    .map((role) => ({ route: `${route.method} ${route.path}`, role, spec: route })),
);

describe('role table', () => {
  it('lists at least one refusal per restricted route', () => {
    expect(refusals.length).toBeGreaterThan(jwtRoutes.length);
  });

  it.each(refusals)('$route refuses $role with 403', async ({ spec, role }) => {
    const res = await call(spec, { sub: 'someone', 'cognito:groups': `[${role}]` });
    expect(res.statusCode).toBe(403);
    expect(res.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(res.body)).toMatchObject({ status: 403, title: 'Forbidden' });
  });

  it.each(jwtRoutes.map((r) => ({ route: `${r.method} ${r.path}`, spec: r })))(
    '$route without claims is 401',
    async ({ spec }) => {
      const res = await call(spec);
      expect(res.statusCode).toBe(401);
      expect(JSON.parse(res.body)).toMatchObject({ status: 401 });
    },
  );

  it('a token with no known group is refused even on a route open to every role', async () => {
    const res = await call(jwtRoutes[0], { sub: 'someone', 'cognito:groups': '[admins]' });
    expect(res.statusCode).toBe(403);
  });
});

describe('the role a token carries', () => {
  it.each([
    { who: 'a person: the Cognito group', claims: { 'cognito:groups': ['operator'] }, role: 'operator' },
    { who: 'a person, as API Gateway flattens groups', claims: { 'cognito:groups': '[auditor]' }, role: 'auditor' },
    { who: 'a CRM machine client: its scope', claims: { scope: 'custodian/crm', client_id: 'abc' }, role: 'crm' },
    {
      who: 'a source system feeding the ECIF: its scope',
      claims: { scope: 'openid custodian/steward' },
      role: 'steward',
    },
    {
      who: 'a machine scope for a people-only role is nothing',
      claims: { scope: 'custodian/operator' },
      role: undefined,
    },
    {
      who: 'groups win over scopes (a person with no known group is nothing)',
      claims: { 'cognito:groups': ['visitors'], scope: 'custodian/crm' },
      role: undefined,
    },
    { who: 'no group and no scope is nothing', claims: { sub: 'x' }, role: undefined },
  ])('$who', ({ claims, role }) => {
    expect(roleOf(claims)).toBe(role);
  });
});
