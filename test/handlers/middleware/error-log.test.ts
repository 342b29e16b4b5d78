/**
 * What the chain writes about a failure, read from its log lines: a misconfigured function names the
 * error and the variables it lacks (never their values); a refused body names no key it was sent.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

process.env.LOG_LEVEL = 'info';
const lines: string[] = [];
// The logger writes info lines to stdout and errors to stderr: both are read, neither is shown.
const streams = [process.stdout, process.stderr];
const writes = streams.map((s) => s.write);
beforeAll(() => {
  for (const s of streams)
    s.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof s.write;
});
afterAll(() => {
  streams.forEach((s, i) => {
    s.write = writes[i];
  });
});

const event = (path: string, body?: unknown, pathParameters?: Record<string, string>) =>
  ({
    version: '2.0',
    rawPath: path,
    ...(pathParameters ? { pathParameters } : {}),
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    requestContext: {
      requestId: 'r-1',
      http: { method: body === undefined ? 'GET' : 'POST', path, sourceIp: '192.0.2.7' },
      authorizer: { jwt: { claims: { sub: 'crm-client', scope: 'custodian/crm' }, scopes: null } },
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    isBase64Encoded: false,
  }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
const context = { getRemainingTimeInMillis: () => 10_000 } as Context;
const logged = () =>
  lines
    .flatMap((l) => l.split('\n'))
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));

describe('error log lines', () => {
  it('a misconfigured function logs ConfigurationError and the variables it lacks, never their values', async () => {
    const { resetDeps } = await import('#handlers/deps.ts');
    const saved = { ...process.env };
    for (const name of ['TABLE_ECIF', 'TABLE_CONSENT', 'TABLE_REQUESTS', 'TABLE_AUDIT']) delete process.env[name];
    process.env.IDENTIFIER_PEPPER = 'secret-pepper-value-0123456789';
    resetDeps();
    try {
      const { handler } = await import('#handlers/http/get-subject-consents.ts');
      const out = (await handler(
        event('/v1/subjects/C000001/consents', undefined, { ecifId: 'C000001' }),
        context,
      )) as { statusCode: number };
      expect(out.statusCode).toBe(500);
      const line = logged().find((l) => l.message === 'request' && l.status === 500);
      expect(line).toMatchObject({ level: 'ERROR', error: 'ConfigurationError' });
      expect(line.detail).toMatch(/^invalid configuration: .*TABLE_ECIF/);
      expect(JSON.stringify(logged())).not.toContain('secret-pepper-value');
      expect(JSON.stringify(logged())).not.toContain('C000001');
    } finally {
      process.env = saved;
      resetDeps();
    }
  });

  it('a body with an unknown key is a 422 naming where it is: neither the answer nor the log holds the key', async () => {
    const { handler } = await import('#handlers/http/decide-consent.ts');
    const out = (await handler(
      event('/v1/consent-decisions', {
        ecifId: 'C000001',
        purpose: 'marketing',
        channel: 'email',
        'jane.doe@example.com': true,
      }),
      context,
    )) as { statusCode: number; body: string };
    expect(out.statusCode).toBe(422);
    const problem = JSON.parse(out.body);
    expect(problem.errors).toContainEqual({
      path: '',
      message: 'a key this object does not take',
      code: 'unrecognized_keys',
    });
    expect(problem.instance).toBe('/v1/consent-decisions');
    expect(out.body).not.toContain('jane.doe');
    expect(JSON.stringify(logged())).not.toContain('jane.doe');
  });
});
