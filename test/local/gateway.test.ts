import { Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { SignJWT, generateKeyPair } from 'jose';
import { routeTable } from '#handlers/http/routes.ts';
import {
  authorizeJwt,
  buildEvent,
  compileRoutes,
  flattenClaims,
  matchRoute,
  MAX_PAYLOAD_BYTES,
  startGateway,
  type Gateway,
  type GatewayRoute,
} from '#infra/local/gateway.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';

const routes = compileRoutes(routeTable as readonly GatewayRoute[]);

describe('route matching', () => {
  it('matches the route table with decoded path parameters', () => {
    const m = matchRoute(routes, 'PUT', '/v1/ecif/customers/C%2F0001%20x');
    expect(m.kind).toBe('match');
    if (m.kind !== 'match') return;
    expect(m.compiled.routeKey).toBe('PUT /v1/ecif/customers/{ecifId}');
    expect(m.pathParameters).toEqual({ ecifId: 'C/0001 x' });
  });
  it('is not found for unknown paths and for known paths with another method', () => {
    expect(matchRoute(routes, 'GET', '/nope').kind).toBe('not-found');
    expect(matchRoute(routes, 'DELETE', '/v1/ecif/customers/C1').kind).toBe('not-found');
    expect(matchRoute(routes, 'GET', '/v1/ecif/customers/C1/extra').kind).toBe('not-found');
  });
});

describe('event construction', () => {
  it('builds a payload v2.0 event', () => {
    const now = new Date('2030-03-12T19:03:58Z');
    const ev = buildEvent(
      {
        method: 'post',
        url: '/v1/privacy-requests?a=1&a=2&b=x%20y',
        headers: {
          'Content-Type': 'application/json',
          cookie: 'k=v; s=t',
          host: '127.0.0.1:3000',
          'user-agent': 'ua',
          'x-multi': ['1', '2'] as any,
        },
        body: Buffer.from('{"x":1}'),
        now,
      },
      'POST /v1/privacy-requests',
      {},
      null,
    );
    expect(ev.version).toBe('2.0');
    expect(ev.routeKey).toBe('POST /v1/privacy-requests');
    expect(ev.rawPath).toBe('/v1/privacy-requests');
    expect(ev.rawQueryString).toBe('a=1&a=2&b=x%20y');
    expect(ev.queryStringParameters).toEqual({ a: '1,2', b: 'x y' });
    expect(ev.cookies).toEqual(['k=v', 's=t']);
    expect(ev.headers['content-type']).toBe('application/json');
    expect(ev.headers['x-multi']).toBe('1,2');
    expect(ev.headers).not.toHaveProperty('cookie');
    expect(ev.pathParameters).toBeUndefined();
    expect(ev.body).toBe('{"x":1}');
    expect(ev.isBase64Encoded).toBe(false);
    expect(ev.requestContext.http).toEqual({
      method: 'POST',
      path: '/v1/privacy-requests',
      protocol: 'HTTP/1.1',
      sourceIp: '127.0.0.1',
      userAgent: 'ua',
    });
    expect(ev.requestContext.stage).toBe('$default');
    expect(ev.requestContext.time).toBe('12/Mar/2030:19:03:58 +0000');
    expect(ev.requestContext.timeEpoch).toBe(now.getTime());
    expect(ev.requestContext.domainName).toBe('127.0.0.1:3000');
    expect(ev.requestContext.authorizer).toBeUndefined();
  });
  it('base64-encodes non-text bodies', () => {
    const ev = buildEvent(
      {
        method: 'PUT',
        url: '/x',
        headers: { 'content-type': 'application/octet-stream' },
        body: Buffer.from([0, 255, 1]),
      },
      'PUT /x',
      { id: 'a' },
      { claims: { sub: 's' }, scopes: null },
    );
    expect(ev.isBase64Encoded).toBe(true);
    expect(Buffer.from(ev.body!, 'base64')).toEqual(Buffer.from([0, 255, 1]));
    expect(ev.pathParameters).toEqual({ id: 'a' });
    expect(ev.requestContext.authorizer.jwt.claims).toEqual({ sub: 's' });
  });
  it('hands a JSON body that is not valid UTF-8 over as its bytes, base64-encoded, never decoded lossily', () => {
    const bytes = Buffer.from([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xff, 0x22, 0x7d]);
    const ev = buildEvent(
      { method: 'POST', url: '/x', headers: { 'content-type': 'application/json' }, body: bytes },
      'POST /x',
      {},
      null,
    );
    expect(ev.isBase64Encoded).toBe(true);
    expect(Buffer.from(ev.body!, 'base64')).toEqual(bytes);
  });
});

describe('JWT authorizer', () => {
  it('flattens claims as API Gateway does', () => {
    expect(flattenClaims({ 'cognito:groups': ['customer', 'crm'], exp: 5, ok: true, sub: 'x' })).toEqual({
      'cognito:groups': '[customer crm]',
      exp: '5',
      ok: 'true',
      sub: 'x',
    });
  });
  it('accepts a dev token with or without the Bearer prefix', async () => {
    const token = await signDevToken({ role: 'steward', sub: 'dev-steward' });
    const auth = await authorizeJwt(`Bearer ${token}`);
    expect(auth?.claims['cognito:groups']).toBe('[steward]');
    expect(auth?.claims.sub).toBe('dev-steward');
    expect(auth?.scopes).toEqual(['custodian/steward']);
    expect(await authorizeJwt(token)).not.toBeNull();
  });
  it('rejects missing, malformed, expired, wrong-issuer, wrong-audience and foreign-key tokens', async () => {
    expect(await authorizeJwt(undefined)).toBeNull();
    expect(await authorizeJwt('Bearer ')).toBeNull();
    expect(await authorizeJwt('Bearer abc.def.ghi')).toBeNull();
    expect(await authorizeJwt(`Bearer ${await signDevToken({ role: 'crm', ttlSeconds: -120 })}`)).toBeNull();
    expect(
      await authorizeJwt(`Bearer ${await signDevToken({ role: 'crm', claims: { iss: 'someone-else' } })}`),
    ).toBeNull();
    expect(
      await authorizeJwt(`Bearer ${await signDevToken({ role: 'crm', claims: { aud: 'other-api' } })}`),
    ).toBeNull();
    expect(
      await authorizeJwt(
        `Bearer ${await signDevToken({ role: 'crm', claims: { nbf: Math.floor(Date.now() / 1000) + 3600 } })}`,
      ),
    ).toBeNull();
    const { privateKey } = await generateKeyPair('ES256');
    const forged = await new SignJWT({ 'cognito:groups': ['operator'] })
      .setProtectedHeader({ alg: 'ES256', kid: 'custodian-local-dev-1' })
      .setIssuer('custodian-local-dev')
      .setAudience('custodian-api')
      .setSubject('x')
      .setExpirationTime('1h')
      .sign(privateKey);
    expect(await authorizeJwt(`Bearer ${forged}`)).toBeNull();
  });
});

describe('gateway server (route table, injected handler loader)', () => {
  let gw: Gateway;
  const calls: Array<{ name: string; event: APIGatewayProxyEventV2WithJWTAuthorizer }> = [];
  beforeAll(async () => {
    gw = await startGateway({
      port: 0,
      loadHandler: async (name) => async (event) => {
        calls.push({ name, event });
        if (name === 'list-systems') throw new Error('boom with personal data');
        if (name === 'decide-consent') return { ok: true };
        return {
          statusCode: 201,
          headers: { 'content-type': 'application/json', 'x-handler': name },
          cookies: ['a=1; Path=/', 'b=2'],
          body: JSON.stringify({ handler: name, params: event.pathParameters ?? null }),
        };
      },
      extraRoutes: (req, res) => {
        if (req.url === '/dev/hello') {
          res.end('hi');
          return true;
        }
        return false;
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
  });

  it('401 without or with a bad token, and the handler is not called', async () => {
    const before = calls.length;
    const r1 = await fetch(`${gw.url}/v1/ecif/customers/C1`, { method: 'PUT', body: '{}' });
    expect(r1.status).toBe(401);
    expect(await r1.json()).toEqual({ message: 'Unauthorized' });
    const expired = await signDevToken({ role: 'steward', ttlSeconds: -60 });
    const r2 = await fetch(`${gw.url}/v1/ecif/customers/C1`, {
      method: 'PUT',
      body: '{}',
      headers: { authorization: `Bearer ${expired}` },
    });
    expect(r2.status).toBe(401);
    expect(calls.length).toBe(before);
  });

  it('passes claims, decoded path params and writes status, headers, cookies and body back', async () => {
    const token = await signDevToken({ role: 'steward' });
    const r = await fetch(`${gw.url}/v1/ecif/customers/C%20001?x=1`, {
      method: 'PUT',
      body: '{"a":1}',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });
    expect(r.status).toBe(201);
    expect(r.headers.get('x-handler')).toBe('put-ecif-customer');
    expect(r.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
    expect(await r.json()).toEqual({ handler: 'put-ecif-customer', params: { ecifId: 'C 001' } });
    const ev = calls.at(-1)!.event;
    expect(ev.routeKey).toBe('PUT /v1/ecif/customers/{ecifId}');
    expect(ev.rawPath).toBe('/v1/ecif/customers/C%20001');
    expect(ev.body).toBe('{"a":1}');
    expect(ev.requestContext.authorizer.jwt.claims['cognito:groups']).toBe('[steward]');
    expect(ev.requestContext.authorizer.jwt.claims.sub).toBe('dev-steward');
  });

  it('public routes run without a token and get no authorizer block', async () => {
    const r = await fetch(`${gw.url}/v1/privacy-requests`, {
      method: 'POST',
      body: '{}',
      headers: { 'content-type': 'application/json' },
    });
    expect(r.status).toBe(201);
    expect(calls.at(-1)!.event.requestContext.authorizer).toBeUndefined();
  });

  it('404 for unknown paths and wrong methods; JWKS and extra routes are served', async () => {
    const r1 = await fetch(`${gw.url}/nope`);
    expect(r1.status).toBe(404);
    expect(await r1.json()).toEqual({ message: 'Not Found' });
    expect((await fetch(`${gw.url}/health`, { method: 'DELETE' })).status).toBe(404);
    const jwks = (await (await fetch(`${gw.url}/.well-known/jwks.json`)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256' });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    expect(await (await fetch(`${gw.url}/dev/hello`)).text()).toBe('hi');
  });

  it('413 over 10 MB, 500 when the handler throws, 200 JSON for unstructured results', async () => {
    const big = await fetch(`${gw.url}/v1/privacy-requests`, {
      method: 'POST',
      body: Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 97),
    });
    expect(big.status).toBe(413);
    const op = await signDevToken({ role: 'operator' });
    const boom = await fetch(`${gw.url}/v1/systems`, { headers: { authorization: `Bearer ${op}` } });
    expect(boom.status).toBe(500);
    expect(await boom.json()).toEqual({ message: 'Internal Server Error' });
    const crm = await signDevToken({ role: 'crm' });
    const plain = await fetch(`${gw.url}/v1/consent-decisions`, {
      method: 'POST',
      body: '{}',
      headers: { authorization: `Bearer ${crm}` },
    });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-type')).toBe('application/json');
    expect(await plain.json()).toEqual({ ok: true });
  });
});

describe('gateway with the real /health handler', () => {
  it('routes GET /health to functions/handlers/http/health.ts', async () => {
    const gw = await startGateway({ port: 0 });
    try {
      const r = await fetch(`${gw.url}/health`);
      expect(r.status).toBeLessThan(600);
      expect(r.headers.get('content-type') ?? '').toContain('json');
    } finally {
      await gw.stop();
    }
  });
});

describe('response streaming (stream rows)', () => {
  type Lambda = { streamifyResponse<F>(f: F): F; HttpResponseStream: { from(s: Writable, p: object): Writable } };
  const awslambda = (globalThis as unknown as { awslambda: Lambda }).awslambda;
  const chunk = `${'x'.repeat(64 * 1024 - 1)}\n`;
  let produced = 0;
  let closed = false;
  let failAfter = Infinity;
  let sgw: Gateway;

  beforeAll(async () => {
    // An endless body: only backpressure bounds what is produced, only the client going away ends it.
    const endless = awslambda.streamifyResponse(async (_event: unknown, stream: Writable) => {
      async function* body() {
        try {
          for (;;) {
            if (produced >= failAfter) throw new Error('the store went away');
            produced++;
            yield chunk;
          }
        } finally {
          closed = true;
        }
      }
      await pipeline(
        Readable.from(body(), { objectMode: true, highWaterMark: 1 }),
        awslambda.HttpResponseStream.from(stream, {
          statusCode: 200,
          headers: { 'content-type': 'application/x-ndjson' },
        }),
      );
    });
    sgw = await startGateway({
      port: 0,
      routes: [{ method: 'GET', path: '/stream', handler: 'endless', auth: 'public' }],
      loadHandler: async () => endless as never,
    });
  });
  afterAll(() => sgw?.stop());

  const settle = async () => {
    // Produced stops moving once the socket's buffers are full.
    for (let last = -1; last !== produced; ) {
      last = produced;
      await new Promise((r) => setTimeout(r, 200));
    }
  };

  it('writes status and headers first, chunked, and holds the handler back while the client does not read; a client that goes away ends it', async () => {
    produced = 0;
    closed = false;
    failAfter = Infinity;
    const controller = new AbortController();
    const res = await fetch(`${sgw.url}/stream`, { signal: controller.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get('transfer-encoding')).toBe('chunked');
    expect(res.headers.get('content-type')).toBe('application/x-ndjson');
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    await settle();
    const paused = produced;
    // Bounded by the socket buffers (a few MB), not by the body, which never ends.
    expect(paused).toBeLessThan(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(produced).toBe(paused);
    controller.abort();
    await expect.poll(() => closed, { timeout: 5_000 }).toBe(true);
    const after = produced;
    await new Promise((r) => setTimeout(r, 300));
    expect(produced).toBe(after);
  });

  it('a handler failing after the first byte cuts the transfer (no final chunk): the client sees an error, not an end', async () => {
    produced = 0;
    failAfter = 3;
    const res = await fetch(`${sgw.url}/stream`);
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(produced).toBe(3);
  });

  it('invokeBuffered answers a streaming handler as one structured result', async () => {
    const { invokeBuffered } = await import('#infra/local/lambda-streaming.ts');
    const h = awslambda.streamifyResponse(async (_e: unknown, stream: Writable) => {
      const s = awslambda.HttpResponseStream.from(stream, {
        statusCode: 418,
        headers: { 'Content-Type': 'text/plain' },
      });
      s.write('a');
      await new Promise<void>((r) => s.end('b', r));
    });
    expect(await invokeBuffered(h as never, {})).toEqual({
      statusCode: 418,
      headers: { 'content-type': 'text/plain' },
      body: 'ab',
    });
  });
});
