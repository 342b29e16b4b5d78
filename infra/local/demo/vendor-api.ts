/**
 * A small stateful stand-in for a vendor's REST API, shaped as its description says
 * (test/fixtures/vendor-apis/): records kept the vendor's way, its token endpoint, its auth, its
 * answers and statuses (./vendor-shapes.ts). The demo runs a HubSpot-shaped CRM on it; the tests run
 * one per shipped definition, and make it answer 429 with Retry-After, lose its tokens (401), or
 * refuse a call (4xx) on demand.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Route, type VendorShape, vendorShapes } from './vendor-shapes.ts';

export type VendorKind = keyof typeof vendorShapes;

export interface VendorApiOptions {
  kind: VendorKind;
  port?: number;
  /** The secret as the definition's auth sends it (a token, a key, `{username,password}`, `{clientId,clientSecret}`). */
  secret: string;
  /** Records to start with: object name (Contact, contacts, contact, a list id, customer) and id to the record. */
  records?: Record<string, Record<string, Record<string, unknown>>>;
  /** OAuth2: how long a token lives. @default 3600 */
  tokenSeconds?: number;
}

export interface VendorCall {
  method: string;
  path: string;
  status: number;
}

export interface VendorApi {
  url: string;
  kind: VendorKind;
  /** object name -> id -> the record, as the vendor keeps it. */
  store: Map<string, Map<string, Record<string, unknown>>>;
  calls: VendorCall[];
  /** The next `count` API calls (not the token endpoint) answer `status` with `headers`. */
  failNext(count: number, status: number, headers?: Record<string, string>): void;
  /** Headers every API answer carries from now on (a rate-limit window's, as the vendor names them); `{}` stops them. */
  answerHeaders(headers: Record<string, string>): void;
  /** Every token issued so far stops working (a revocation, a rotated secret): the next call gets 401. */
  revokeTokens(): void;
  stop(): Promise<void>;
}

export interface VendorRequest {
  method: string;
  url: URL;
  body: unknown;
  /** The raw body (form bodies). */
  text: string;
  headers: IncomingMessage['headers'];
}

export interface VendorAnswer {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export async function startVendorApi(opts: VendorApiOptions): Promise<VendorApi> {
  const shape: VendorShape = vendorShapes[opts.kind];
  const store = new Map<string, Map<string, Record<string, unknown>>>();
  for (const [object, rows] of Object.entries(opts.records ?? {}))
    store.set(object, new Map(Object.entries(rows).map(([id, r]) => [id, structuredClone(r)])));
  const tokens = new Set<string>();
  const failures: { status: number; headers: Record<string, string> }[] = [];
  const calls: VendorCall[] = [];
  let extraHeaders: Record<string, string> = {};
  const secret = parsed(opts.secret);

  const authorized = (req: VendorRequest): boolean => {
    const header = String(req.headers.authorization ?? '');
    switch (shape.auth) {
      case 'oauth2':
        return header.startsWith('Bearer ') && tokens.has(header.slice(7));
      case 'bearer':
        return header === `Bearer ${opts.secret}`;
      case 'basic':
        return header === `Basic ${Buffer.from(`${secret.username}:${secret.password}`).toString('base64')}`;
    }
  };

  const token = (req: VendorRequest): VendorAnswer => {
    const form = new URLSearchParams(req.text);
    if (form.get('grant_type') !== 'client_credentials')
      return { status: 400, body: { error: 'unsupported_grant_type' } };
    if (form.get('client_id') !== secret.clientId || form.get('client_secret') !== secret.clientSecret)
      return { status: 401, body: { error: 'invalid_client' } };
    const issued = `tok-${randomBytes(12).toString('hex')}`;
    tokens.add(issued);
    return {
      status: 200,
      body: {
        access_token: issued,
        token_type: 'Bearer',
        expires_in: opts.tokenSeconds ?? 3600,
        instance_url: api.url,
      },
    };
  };

  const server: Server = createServer(async (incoming, res) => {
    const text = await read(incoming);
    const req: VendorRequest = {
      method: incoming.method ?? 'GET',
      url: new URL(incoming.url ?? '/', 'http://vendor.invalid'),
      text,
      body: undefined,
      headers: incoming.headers,
    };
    if (text && String(incoming.headers['content-type']).includes('json')) {
      try {
        req.body = JSON.parse(text);
      } catch {
        return send(res, { status: 400, body: { message: 'malformed JSON' } }, req, calls);
      }
    }
    if (req.url.pathname.endsWith('/token') && req.method === 'POST') return send(res, token(req), req, calls);
    const failure = failures.shift();
    if (failure)
      return send(res, { status: failure.status, headers: failure.headers, body: { message: 'injected' } }, req, calls);
    if (!authorized(req)) return send(res, { status: 401, body: shape.unauthorized }, req, calls);
    for (const route of shape.routes as Route[]) {
      const m = route.method === req.method ? route.path.exec(req.url.pathname) : null;
      if (m) {
        const answer = route.answer(req, m, store);
        return send(res, { ...answer, headers: { ...extraHeaders, ...answer.headers } }, req, calls);
      }
    }
    send(res, { status: 404, body: shape.notFound }, req, calls);
  });
  await new Promise<void>((r) => server.listen(opts.port ?? 0, '127.0.0.1', r));
  const api: VendorApi = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    kind: opts.kind,
    store,
    calls,
    failNext: (count, status, headers = {}) => {
      for (let i = 0; i < count; i++) failures.push({ status, headers });
    },
    answerHeaders: (headers) => {
      extraHeaders = headers;
    },
    revokeTokens: () => tokens.clear(),
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  return api;
}

function parsed(secret: string): Record<string, string> {
  try {
    const v = JSON.parse(secret);
    return typeof v === 'object' && v ? v : {};
  } catch {
    return {};
  }
}

function send(res: import('node:http').ServerResponse, answer: VendorAnswer, req: VendorRequest, calls: VendorCall[]) {
  calls.push({ method: req.method, path: req.url.pathname, status: answer.status });
  const body = answer.body === undefined || answer.status === 204 ? '' : JSON.stringify(answer.body);
  res.writeHead(answer.status, { ...(body ? { 'content-type': 'application/json' } : {}), ...answer.headers });
  res.end(body);
}
