/**
 * Idempotency-Key on every write route (rows marked `idempotent` in the route table), with
 * Powertools' idempotency middleware over its DynamoDB persistence layer. A key is scoped to its
 * caller: the token's subject (a system's id on callbacks), or for an anonymous caller a keyed hash
 * of its source address, so replaying someone else's key and body is a new request of one's own.
 * The same key and request (body, path and query as validated) get the first answer again, marked
 * `idempotent-replayed: true`; the same key with another request is a 422; while the first still
 * runs, a 409. Only successes are kept (24 hours): a refusal or a failure may be retried as it is.
 */
import { createHmac } from 'node:crypto';
import type { MiddlewareObj } from '@middy/core';
import { IdempotencyConfig } from '@aws-lambda-powertools/idempotency';
import { makeHandlerIdempotent } from '@aws-lambda-powertools/idempotency/middleware';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Actor } from '#core/shared/actor.ts';
import { ConflictError, IdempotencyKeyReusedError, InvalidInputError } from '#core/shared/errors.ts';
import { deps } from '../deps.ts';
import type { RouteSpec } from '../http/routes.ts';
import { logger } from './logging.ts';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;
type Powertools = ReturnType<typeof makeHandlerIdempotent>;

export const IDEMPOTENCY_HEADER = 'idempotency-key';
const keyPattern = /^[\x21-\x7e]{8,200}$/;
/** Body fields a route shows once (an anonymous requester's key, a system's issued signing key): never kept in the record. */
const shownOnce = ['requesterKey', 'signingSecret'];

const config = new IdempotencyConfig({
  // Over the view built below, not the event: the caller's scope, the key, the validated request.
  eventKeyJmesPath: '[caller, key]',
  payloadValidationJmesPath: 'request',
  hashFunction: 'sha256',
  expiresAfterSeconds: 24 * 60 * 60,
  responseHook: (response) => {
    const result = response as Result;
    return { ...result, headers: { ...result.headers, 'idempotent-replayed': 'true' } };
  },
});

/** The caller a key belongs to: a token's role and subject, or a keyed hash of an anonymous source address. */
export function callerScope(actor: Actor, sourceIp: string, key: string): string {
  if (actor.role !== 'anonymous') return `${actor.role}:${actor.principal}`;
  return `anonymous:${createHmac('sha256', key).update(sourceIp).digest('hex')}`;
}

/** What the chain learned before this middleware: who calls, and the request as validated. */
export type ChainFacts = (event: Event) => { actor?: Actor; input?: unknown };

export const idempotency = (route: RouteSpec, facts: ChainFacts): MiddlewareObj<Event, Result> => {
  let powertools: Powertools | undefined;
  // Requests whose record this invocation took: only those may complete it or let it go. (Powertools
  // 2.35's onError deletes the record even when its own `before` refused the request, which would
  // drop the first request's answer; fixed upstream in aws-powertools/powertools-lambda-typescript#5676.)
  const owned = new WeakSet<Event>();
  return {
    before: async (request) => {
      const key = request.event.headers?.[IDEMPOTENCY_HEADER];
      if (key === undefined) return;
      if (!keyPattern.test(key))
        throw new InvalidInputError('Idempotency-Key must be 8 to 200 visible ASCII characters', {
          field: 'Idempotency-Key',
        });
      const d = await deps();
      powertools ??= makeHandlerIdempotent({
        persistenceStore: d.idempotencyStore(route.handler),
        config,
        keyPrefix: route.handler,
      });
      const { actor, input } = facts(request.event);
      const view = {
        caller: callerScope(actor!, request.event.requestContext?.http?.sourceIp ?? 'unknown', d.callerKey),
        key,
        request: input,
      };
      let replay: Result | undefined;
      try {
        // The view for the key and the payload; the request's own `internal` so Powertools' replay
        // cleanup reaches the other Powertools middlewares of the chain.
        replay = (await powertools.before!({ ...request, event: view } as never)) as Result | undefined;
      } catch (err) {
        throw refusalOf(err);
      }
      if (replay === undefined) {
        owned.add(request.event);
        return;
      }
      logger.info({
        message: 'request',
        route: `${route.method} ${route.path}`,
        status: replay.statusCode,
        role: actor?.role ?? 'anonymous',
        requestId: request.event.requestContext?.requestId,
        replayed: true,
      });
      return replay;
    },
    after: async (request) => {
      if (!owned.has(request.event)) return;
      await powertools!.after!({ ...request, response: keptOf(request.response as Result) } as never);
    },
    onError: async (request) => {
      if (!owned.has(request.event)) return;
      owned.delete(request.event);
      await powertools!.onError!(request as never);
    },
  };
};

function refusalOf(err: unknown): unknown {
  const name = (err as Error)?.name;
  if (name === 'IdempotencyValidationError')
    return new IdempotencyKeyReusedError('this Idempotency-Key was used with a different request');
  if (name === 'IdempotencyAlreadyInProgressError')
    return new ConflictError('a request with this Idempotency-Key is still being processed: retry it later');
  return err;
}

/** The answer as kept: without what is shown once. */
function keptOf(response: Result): Result {
  if (typeof response.body !== 'string' || !shownOnce.some((f) => response.body?.includes(`"${f}"`))) return response;
  const body = JSON.parse(response.body) as Record<string, unknown>;
  for (const f of shownOnce) delete body[f];
  return { ...response, body: JSON.stringify(body) };
}
