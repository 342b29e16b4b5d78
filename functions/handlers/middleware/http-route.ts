/**
 * The one middy chain every HTTP route runs: trace (X-Ray) -> log (no PII) -> problem details -> authorize
 * (role table) -> read and validate path, query and body with the route's zod schemas -> Idempotency-Key
 * (write routes) -> the use case.
 * Handlers are one line of wiring plus the use case they call.
 *
 * Streamed routes (`httpStreamRoute`, rows with `stream: true`) run the same chain in middy's
 * response-streaming mode: anything refused before the first byte is the same problem details; the
 * body is then written chunk by chunk with backpressure, and a failure after the first byte can
 * only end the stream (the export's trailer line is how a reader tells).
 */
import { Readable } from 'node:stream';
import middy, { type MiddlewareObj } from '@middy/core';
import { executionModeStreamifyResponse } from '@middy/core/StreamifyResponse';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import type { z } from 'zod';
import type { Actor } from '#core/shared/actor.ts';
import { deps, type Deps } from '../deps.ts';
import { routeTable, type RouteId, type RouteSpec } from '../http/routes.ts';
import { actorFor } from './auth.ts';
import { errorFields } from './error-log.ts';
import { idempotency } from './idempotency.ts';
import { readJsonBody } from './json-body.ts';
import { logger } from './logging.ts';
import { problemOf, problemResponse } from './problem-details.ts';
import { restApiCors, restApiEvent } from './rest-api.ts';
import { annotateFrom, traceHandler, tracer } from './tracing.ts';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;

export interface RouteSchemas<B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType> {
  body?: B;
  params?: P;
  query?: Q;
  /** Request headers the route reads (validated by the route itself; documented in OpenAPI). */
  headers?: z.ZodObject;
  /** Success bodies by status: documented in OpenAPI and checked by the contract tests. */
  responses?: Record<number, z.ZodType>;
  /** The success media types when not only JSON (exports). */
  responseMediaTypes?: string[];
  summary?: string;
  /** Longer than the summary, in the OpenAPI operation (what a client must know to use the route). */
  description?: string;
}

/** What OpenAPI is generated from: the route's row and the schemas that validate it, nothing else. */
export interface RouteContract {
  route: RouteSpec;
  schemas: RouteSchemas<z.ZodType, z.ZodType, z.ZodType>;
}

export interface RouteInput<B, P, Q> {
  body: B;
  params: P;
  query: Q;
  actor: Actor;
  deps: Deps;
  headers: Record<string, string | undefined>;
  /** The caller's address as API Gateway saw it (abuse limits; never logged or stored in clear). */
  sourceIp: string;
}

export type RouteReply =
  | { status?: number; body: unknown; headers?: Record<string, string> }
  /** A text body sent as is (exports), with its own content type in `headers`. */
  | { status?: number; raw: string; headers: Record<string, string> };

/** A streamed success: its own content type in `headers`, the body as text chunks (one per page read). */
export interface StreamReply {
  status?: number;
  headers: Record<string, string>;
  body: AsyncIterable<string>;
}

interface Internal {
  actor?: Actor;
  input?: { body: unknown; params: unknown; query: unknown };
}

/** What the chain learned about a request, handed from the middlewares to the handler. */
const internals = new WeakMap<Event, Internal>();
const internal = (event: Event): Internal => {
  let i = internals.get(event);
  if (!i) internals.set(event, (i = {}));
  return i;
};

export function routeSpec(id: RouteId): RouteSpec {
  const spec = routeTable.find((r) => r.handler === id);
  if (!spec) throw new Error(`route ${id} is not in the route table`);
  return spec;
}

const problemDetails = (route: RouteSpec): MiddlewareObj<Event, Result> => {
  const started = new WeakMap<object, number>();
  const log = (event: Event, status: number, actor: Actor | undefined, error?: unknown) =>
    logger[status >= 500 ? 'error' : 'info']({
      message: 'request',
      route: `${route.method} ${route.path}`,
      status,
      role: actor?.role ?? 'anonymous',
      requestId: event.requestContext?.requestId,
      ms: Date.now() - (started.get(event) ?? Date.now()),
      ...(error ? errorFields(error) : {}),
    });
  return {
    before: (request) => {
      started.set(request.event, Date.now());
    },
    after: (request) => {
      log(request.event, request.response?.statusCode ?? 200, internal(request.event).actor);
    },
    onError: (request) => {
      const problem = problemOf(request.error, route.path);
      request.response = problemResponse(problem);
      log(request.event, problem.status, internal(request.event).actor, request.error);
    },
  };
};

const authorize = (route: RouteSpec): MiddlewareObj<Event, Result> => ({
  before: async (request) => {
    internal(request.event).actor = await actorFor(route, request.event, async (systemId, opts) =>
      (await deps()).callbackKeysFor(systemId, opts),
    );
  },
});

const validate = <B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  schemas: RouteSchemas<B, P, Q>,
  route: RouteSpec,
): MiddlewareObj<Event, Result> => ({
  before: (request) => {
    const { event } = request;
    const params = schemas.params ? schemas.params.parse(event.pathParameters ?? {}) : {};
    const query = schemas.query ? schemas.query.parse(event.queryStringParameters ?? {}) : {};
    const body = schemas.body ? schemas.body.parse(readJsonBody(event, route.maxBodyBytes)) : undefined;
    internal(request.event).input = { body, params, query };
  },
});

const chain = <B extends z.ZodType, P extends z.ZodType, Q extends z.ZodType>(
  route: RouteSpec,
  schemas: RouteSchemas<B, P, Q>,
  streaming: boolean,
) => {
  const m = middy<Event, Result, Error, Context>({
    timeoutEarlyInMillis: 0,
    ...(streaming ? { executionMode: executionModeStreamifyResponse } : {}),
  });
  m.use(traceHandler() as MiddlewareObj<Event, Result>);
  // Streamed rows sit behind a REST API: its events are read as v2 ones, and it adds no CORS headers.
  if (streaming) m.use(restApiCors()).use(problemDetails(route)).use(restApiEvent(route));
  else m.use(problemDetails(route));
  // The route, and the request or system a path names (ids only), on the handler's subsegment.
  m.use(
    annotateFrom<Event>((event) => ({
      requestId: event.pathParameters?.id ?? event.pathParameters?.requestId,
      systemId: event.pathParameters?.systemId,
    })),
  );
  m.use({ before: () => tracer.putAnnotation('route', `${route.method} ${route.path}`) });
  m.use(authorize(route)).use(validate(schemas, route));
  // Last before the use case: a key is scoped to the caller and compared over the validated request.
  if ('idempotent' in route && route.idempotent) m.use(idempotency(route, internal));
  return m;
};

async function routeInput<B, P, Q>(event: Event): Promise<RouteInput<B, P, Q>> {
  const { actor, input } = internal(event);
  return {
    body: input!.body as B,
    params: input!.params as P,
    query: input!.query as Q,
    actor: actor!,
    deps: await deps(),
    headers: event.headers ?? {},
    sourceIp: event.requestContext?.http?.sourceIp ?? 'unknown',
  };
}

export function httpRoute<
  B extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodObject,
  Q extends z.ZodType = z.ZodObject,
>(
  id: RouteId,
  schemas: RouteSchemas<B, P, Q>,
  run: (input: RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>>) => Promise<RouteReply>,
) {
  const route = routeSpec(id);
  const handler = chain(route, schemas, false).handler(async (event) => {
    const reply = await run(await routeInput(event));
    return {
      statusCode: reply.status ?? 200,
      headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...reply.headers },
      body: 'raw' in reply ? reply.raw : JSON.stringify(reply.body),
    };
  });
  const contract: RouteContract = { route, schemas: schemas as RouteContract['schemas'] };
  return Object.assign(handler, { contract });
}

/**
 * A route whose body is written as it is produced (Lambda response streaming; the local gateway
 * writes it the same way). The first chunk is read before the status goes out, so a store that
 * fails at once is still a problem-details 500 rather than a 200 cut short.
 */
export function httpStreamRoute<
  B extends z.ZodType = z.ZodUndefined,
  P extends z.ZodType = z.ZodObject,
  Q extends z.ZodType = z.ZodObject,
>(
  id: RouteId,
  schemas: RouteSchemas<B, P, Q>,
  run: (input: RouteInput<z.infer<B>, z.infer<P>, z.infer<Q>>) => Promise<StreamReply>,
) {
  const route = routeSpec(id);
  if (!('stream' in route && route.stream)) throw new Error(`route ${id} is not marked stream in the route table`);
  const handler = chain(route, schemas, true).handler(async (event) => {
    const reply = await run(await routeInput(event));
    const chunks = reply.body[Symbol.asyncIterator]();
    const first = await chunks.next();
    const started = Date.now();
    async function* rest() {
      try {
        if (!first.done) yield first.value;
        for (let next = await chunks.next(); !next.done; next = await chunks.next()) yield next.value;
      } catch (error) {
        // The status is out: this line is the only trace of an export cut short. Name only, no message.
        logger.error({
          message: 'stream failed',
          route: `${route.method} ${route.path}`,
          requestId: event.requestContext?.requestId,
          ms: Date.now() - started,
          ...errorFields(error),
        });
        throw error;
      } finally {
        await chunks.return?.();
      }
    }
    return {
      statusCode: reply.status ?? 200,
      headers: { 'cache-control': 'no-store', ...reply.headers },
      // One chunk (a page) read ahead at most: memory stays flat however long the export.
      body: Readable.from(rest(), { objectMode: true, highWaterMark: 1 }) as unknown as string,
    };
  });
  const contract: RouteContract = { route, schemas: schemas as RouteContract['schemas'] };
  return Object.assign(handler, { contract });
}
