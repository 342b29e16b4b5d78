/**
 * The local HTTP gateway: node:http in front of the same handler modules Lambda runs. It builds
 * API Gateway HTTP API payload v2.0 events from requests, routes with the route table, checks
 * bearer JWTs on `jwt` routes as the HTTP API JWT authorizer does, and writes the handler's
 * structured result back. Response-streaming handlers (`stream` rows: Lambda response streaming
 * behind API Gateway's REST API in AWS) get a response stream instead: status and headers go out
 * first, then the body as the handler writes it, with the socket's backpressure, never buffered.
 *
 * Like API Gateway:
 *  - unknown path, or known path with another method: 404 `{"message":"Not Found"}`;
 *  - jwt route with a missing/invalid/expired token (signature against the dev issuer JWKS, iss,
 *    aud, exp, nbf): 401 `{"message":"Unauthorized"}`, the handler is not called;
 *  - a body in a text type that is valid UTF-8 arrives as the string, any other as base64 (`isBase64Encoded`);
 *  - body over 10 MB: 413; handler throws or returns garbage: 500 `{"message":"Internal Server Error"}`;
 *  - claims reach the handler in requestContext.authorizer.jwt.claims with every value a string:
 *    arrays flattened to `[a b]` (so `cognito:groups: ["customer"]` arrives as `"[customer]"`),
 *    numbers/booleans stringified; `scopes` is the `scope` claim split on spaces (or null);
 *  - public and hmac routes get no authorizer block (they check what they need themselves);
 *  - roles are NOT enforced here (API Gateway does not either: the handler middleware does);
 *  - a streamed response that fails after its first byte is cut (the socket is destroyed, no
 *    final chunk), so the client sees an incomplete transfer rather than a clean end.
 */
import { isUtf8 } from 'node:buffer';
import { randomUUID } from 'node:crypto';
import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, Context } from 'aws-lambda';
import type { JWTPayload } from 'jose';
import { routeTable, type RouteSpec } from '#handlers/http/routes.ts';
import { rememberingVerifier } from './accepted-tokens.ts';
import { devJwks, verifyDevToken } from './dev-issuer.ts';
import { serveMailbox } from './mailbox-page.ts';
import { isStreamingHandler, ResponseStream, type Prelude, type StreamingHandler } from './lambda-streaming.ts';

export const MAX_PAYLOAD_BYTES = 10 * 1024 * 1024;

export interface GatewayRoute {
  method: string;
  path: string;
  handler: string;
  auth: RouteSpec['auth'];
}

export interface CompiledRoute {
  route: GatewayRoute;
  routeKey: string;
  regex: RegExp;
  paramNames: string[];
}

export function compileRoutes(routes: readonly GatewayRoute[]): CompiledRoute[] {
  return routes.map((route) => {
    const paramNames: string[] = [];
    const pattern = route.path
      .split('/')
      .map((seg) => {
        const greedy = /^\{([A-Za-z0-9_]+)\+\}$/.exec(seg);
        if (greedy) {
          paramNames.push(greedy[1]);
          return '(.+)';
        }
        const p = /^\{([A-Za-z0-9_]+)\}$/.exec(seg);
        if (p) {
          paramNames.push(p[1]);
          return '([^/]+)';
        }
        return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      })
      .join('/');
    return { route, routeKey: `${route.method} ${route.path}`, regex: new RegExp(`^${pattern}$`), paramNames };
  });
}

export type RouteMatch =
  | { kind: 'match'; compiled: CompiledRoute; pathParameters: Record<string, string> }
  | { kind: 'not-found' };

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Finds the route for a method and raw path. A known path with another method is not found, as in API Gateway. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, rawPath: string): RouteMatch {
  // Literal routes win over parameterized ones, as API Gateway prefers the most specific route.
  const sorted = [...routes].sort((a, b) => a.paramNames.length - b.paramNames.length);
  for (const c of sorted) {
    if (c.route.method !== method.toUpperCase()) continue;
    const m = c.regex.exec(rawPath);
    if (!m) continue;
    const pathParameters: Record<string, string> = {};
    c.paramNames.forEach((n, i) => {
      pathParameters[n] = safeDecode(m[i + 1]);
    });
    return { kind: 'match', compiled: c, pathParameters };
  }
  return { kind: 'not-found' };
}

/** API Gateway's string rendering of JWT claims: everything a string, arrays as `[a b]`. */
export function flattenClaims(payload: JWTPayload): Record<string, string> {
  const out: Record<string, string> = {};
  const render = (v: unknown): string => {
    if (Array.isArray(v)) return `[${v.map(render).join(' ')}]`;
    if (v !== null && typeof v === 'object') return JSON.stringify(v);
    return String(v);
  };
  for (const [k, v] of Object.entries(payload)) if (v !== undefined) out[k] = render(v);
  return out;
}

export interface Authorization {
  claims: Record<string, string>;
  scopes: string[] | null;
}

export type TokenVerifier = (token: string) => Promise<JWTPayload>;

/** The HTTP API JWT authorizer: identity source `$request.header.Authorization`, `Bearer ` prefix optional. Null = 401. */
export async function authorizeJwt(
  authorization: string | undefined,
  verify: TokenVerifier = verifyDevToken,
): Promise<Authorization | null> {
  if (!authorization) return null;
  const token = authorization.replace(/^Bearer\s+/i, '').trim();
  if (!token) return null;
  try {
    const payload = await verify(token);
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : null;
    return { claims: flattenClaims(payload), scopes };
  } catch {
    return null;
  }
}

const TEXT_TYPES =
  /^(text\/|application\/(json|[^;]*\+json|xml|[^;]*\+xml|javascript|x-www-form-urlencoded|problem\+json)|multipart\/form-data)/i;

export function isTextContentType(contentType: string | undefined): boolean {
  return !contentType || TEXT_TYPES.test(contentType.trim());
}

export interface RawRequest {
  method: string;
  /** Path and query as received, e.g. `/v1/x%20y?a=1&a=2`. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp?: string;
  protocol?: string;
  now?: Date;
}

function clfTime(d: Date): string {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000`;
}

/** Builds the API Gateway HTTP API payload v2.0 event for a request matched to a route. */
export function buildEvent(
  req: RawRequest,
  routeKey: string,
  pathParameters: Record<string, string>,
  auth?: Authorization | null,
): APIGatewayProxyEventV2WithJWTAuthorizer {
  const now = req.now ?? new Date();
  const q = req.url.indexOf('?');
  const rawPath = q === -1 ? req.url : req.url.slice(0, q);
  const rawQueryString = q === -1 ? '' : req.url.slice(q + 1);

  const headers: Record<string, string> = {};
  let cookies: string[] | undefined;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    const key = name.toLowerCase();
    if (key === 'cookie') {
      const all = (Array.isArray(value) ? value : [value]).flatMap((v) => v.split(';'));
      cookies = all.map((c) => c.trim()).filter(Boolean);
      continue;
    }
    headers[key] = Array.isArray(value) ? value.join(',') : value;
  }

  let queryStringParameters: Record<string, string> | undefined;
  if (rawQueryString) {
    queryStringParameters = {};
    for (const [k, v] of new URLSearchParams(rawQueryString)) {
      queryStringParameters[k] = k in queryStringParameters ? `${queryStringParameters[k]},${v}` : v;
    }
  }

  const hasBody = req.body.length > 0;
  // As API Gateway: a text body goes as the exact string, anything else (invalid UTF-8 in a JSON body
  // too) as base64, so the chain's strict decoding sees the bytes sent, never a lossy decoding of them.
  const text = isTextContentType(headers['content-type']) && isUtf8(req.body);
  const requestId = randomUUID();
  const event = {
    version: '2.0',
    routeKey,
    rawPath,
    rawQueryString,
    ...(cookies?.length ? { cookies } : {}),
    headers,
    ...(queryStringParameters ? { queryStringParameters } : {}),
    ...(Object.keys(pathParameters).length ? { pathParameters } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0],
      http: {
        method: req.method.toUpperCase(),
        path: rawPath,
        protocol: req.protocol ?? 'HTTP/1.1',
        sourceIp: req.sourceIp ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId,
      routeKey,
      stage: '$default',
      time: clfTime(now),
      timeEpoch: now.getTime(),
      ...(auth
        ? { authorizer: { jwt: { claims: auth.claims, scopes: auth.scopes }, principalId: '', integrationLatency: 0 } }
        : {}),
    },
    ...(hasBody ? { body: text ? req.body.toString('utf8') : req.body.toString('base64') } : {}),
    isBase64Encoded: hasBody && !text,
  };
  return event as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
}

export interface HandlerResult {
  statusCode: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
  body?: string;
  isBase64Encoded?: boolean;
}

export type HttpHandler = (
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  context: Context,
) => Promise<unknown> | unknown;

function responseHeaders(r: Prelude): Record<string, string | string[]> {
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  for (const [k, vs] of Object.entries(r.multiValueHeaders ?? {})) headers[k.toLowerCase()] = vs.map(String);
  if (r.cookies?.length) headers['set-cookie'] = r.cookies;
  return headers;
}

/**
 * Runs a response-streaming handler against the socket: the prelude as status and headers (chunked,
 * no length), each write passed on as it comes, the handler held back while the socket's buffer is
 * full. A client that goes away destroys the handler's stream, so it stops reading pages.
 */
export async function writeStreamed(
  res: ServerResponse,
  handler: StreamingHandler,
  event: unknown,
  context: Context,
): Promise<void> {
  const stream = new ResponseStream({
    head: (prelude) => res.writeHead(prelude.statusCode ?? 200, responseHeaders(prelude)),
    write: (chunk) =>
      res.write(chunk) ||
      new Promise<void>((resolve, reject) => {
        const drained = () => (res.off('close', closed), resolve());
        const closed = () => (res.off('drain', drained), reject(new Error('the client closed the connection')));
        res.once('drain', drained);
        res.once('close', closed);
      }),
  });
  res.once('close', () => {
    if (!res.writableFinished) stream.destroy(new Error('the client closed the connection'));
  });
  await handler(event, stream, context);
  res.end();
}

/** Writes a Lambda proxy result as API Gateway does (an unstructured result is 200 application/json). */
export function writeResult(res: ServerResponse, result: unknown): void {
  if (!result || typeof result !== 'object' || typeof (result as HandlerResult).statusCode !== 'number') {
    const body = JSON.stringify(result ?? null);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const r = result as HandlerResult;
  const headers = responseHeaders(r);
  const body =
    r.body === undefined || r.body === null
      ? Buffer.alloc(0)
      : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  headers['content-length'] = String(body.length);
  res.writeHead(r.statusCode, headers);
  res.end(body);
}

function sendJson(res: ServerResponse, status: number, body: unknown, extra: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

export function lambdaContext(functionName: string, requestId: string): Context {
  const deadline = Date.now() + 30_000;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

const defaultHandlersDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../functions/handlers/http');

/** Loads `functions/handlers/http/<name>.ts` and its `handler` export (cached). */
export function moduleHandlerLoader(dir = defaultHandlersDir): (name: string) => Promise<HttpHandler> {
  const cache = new Map<string, Promise<HttpHandler>>();
  return (name) => {
    let p = cache.get(name);
    if (!p) {
      p = import(pathToFileURL(path.join(dir, `${name}.ts`)).href).then((m) => {
        if (typeof m.handler !== 'function') throw new Error(`handler module ${name} exports no handler`);
        return m.handler as HttpHandler;
      });
      p.catch(() => cache.delete(name));
      cache.set(name, p);
    }
    return p;
  };
}

export type ExtraRoutes = (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;

export interface GatewayOptions {
  port?: number;
  host?: string;
  routes?: readonly GatewayRoute[];
  loadHandler?: (name: string) => Promise<HttpHandler>;
  verifyToken?: TokenVerifier;
  /** Dev/static routes tried when no API route matches; return true when handled. */
  extraRoutes?: ExtraRoutes;
  /** One line per request: method, route key, status, ms (no paths with ids, no bodies). */
  log?: (message: string) => void;
}

export interface Gateway {
  url: string;
  port: number;
  server: Server;
  stop(): Promise<void>;
}

class PayloadTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new PayloadTooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new PayloadTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

export async function startGateway(opts: GatewayOptions = {}): Promise<Gateway> {
  const routes = compileRoutes(opts.routes ?? (routeTable as readonly GatewayRoute[]));
  const loadHandler = opts.loadHandler ?? moduleHandlerLoader();
  const verify = rememberingVerifier(opts.verifyToken ?? verifyDevToken);
  const log = opts.log ?? (() => {});
  const host = opts.host ?? '127.0.0.1';

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const started = Date.now();
    const method = (req.method ?? 'GET').toUpperCase();
    const url = req.url ?? '/';
    const rawPath = url.split('?')[0];
    let label = `${method} (unmatched)`;
    try {
      const match = matchRoute(routes, method, rawPath);
      if (match.kind === 'not-found') {
        if (method === 'GET' && rawPath === '/.well-known/jwks.json') {
          label = 'GET /.well-known/jwks.json';
          return sendJson(res, 200, devJwks());
        }
        if (serveMailbox(req, res)) {
          label = `${method} /dev/mailbox`;
          return;
        }
        if (opts.extraRoutes && (await opts.extraRoutes(req, res))) {
          label = `${method} (extra)`;
          return;
        }
        return sendJson(res, 404, { message: 'Not Found' });
      }
      const { compiled, pathParameters } = match;
      label = compiled.routeKey;
      let auth: Authorization | null = null;
      if (compiled.route.auth === 'jwt') {
        const header = req.headers.authorization;
        auth = await authorizeJwt(header, verify);
        if (!auth) {
          req.resume();
          return sendJson(res, 401, { message: 'Unauthorized' }, { 'www-authenticate': 'Bearer' });
        }
      }
      let body: Buffer;
      try {
        body = await readBody(req, MAX_PAYLOAD_BYTES);
      } catch (e) {
        if (e instanceof PayloadTooLarge) {
          res.setHeader('connection', 'close');
          sendJson(res, 413, { message: 'Request Entity Too Large' });
          req.resume();
          return;
        }
        throw e;
      }
      const event = buildEvent(
        {
          method,
          url,
          headers: req.headers,
          body,
          sourceIp: req.socket.remoteAddress?.replace(/^::ffff:/, ''),
          protocol: `HTTP/${req.httpVersion}`,
        },
        compiled.routeKey,
        pathParameters,
        auth,
      );
      const handler = await loadHandler(compiled.route.handler);
      const context = lambdaContext(compiled.route.handler, event.requestContext.requestId);
      if (isStreamingHandler(handler)) return await writeStreamed(res, handler, event, context);
      const result = await handler(event, context);
      writeResult(res, result);
    } catch (err) {
      // Name and stack frames only: messages may carry request data.
      const e = err as Error;
      log(
        `${label}: handler error ${e?.name ?? 'Error'}${e?.stack ? `\n${e.stack.split('\n').slice(1, 6).join('\n')}` : ''}`,
      );
      if (!res.headersSent) sendJson(res, 500, { message: 'Internal Server Error' });
      // Past the first byte: cut the transfer, so the client cannot take it for a whole answer.
      else res.destroy();
    } finally {
      log(`${label} ${res.statusCode} ${Date.now() - started}ms`);
    }
  }

  const server = createServer((req, res) => void onRequest(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  let stopped = false;
  return {
    url: `http://${host}:${port}`,
    port,
    server,
    async stop() {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
