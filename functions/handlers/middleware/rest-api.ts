/**
 * Streamed routes run behind an API Gateway REST API (only REST APIs stream responses), whose proxy
 * events are shaped differently from the HTTP API's. These two middlewares let such an event go
 * through the same chain: the event seen as the v2 event the chain reads, with the bearer token
 * checked here as the HTTP API's JWT authorizer would (the REST API has no authorizer of its own:
 * a Cognito authorizer takes ID tokens or access tokens, never both); and CORS headers for the web
 * pages' origin, which the HTTP API adds itself and a REST proxy integration does not.
 * An HTTP API or local-gateway event passes through untouched.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { RouteSpec } from '../http/routes.ts';
import { verifyBearer } from './auth.ts';

type Event = APIGatewayProxyEventV2WithJWTAuthorizer;
type Result = APIGatewayProxyStructuredResultV2;

interface RestEvent {
  httpMethod: string;
  path: string;
  headers?: Record<string, string | undefined> | null;
  requestContext: { requestId?: string; identity?: { sourceIp?: string }; protocol?: string; [k: string]: unknown };
}

const isRestEvent = (event: unknown): event is RestEvent => {
  const e = event as Partial<RestEvent> & { requestContext?: { http?: unknown } };
  return typeof e?.httpMethod === 'string' && !e.requestContext?.http;
};

/** Rewrites a REST API event in place (the chain keys what it learns on the event object). */
export const restApiEvent = (route: RouteSpec): MiddlewareObj<Event, Result> => ({
  before: async (request) => {
    const event = request.event as unknown;
    if (!isRestEvent(event)) return;
    // REST APIs keep header case as sent; the HTTP API (and so the chain) lowercases.
    const headers = Object.fromEntries(Object.entries(event.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
    const v2 = event as unknown as Event;
    v2.headers = headers;
    v2.rawPath = event.path;
    v2.requestContext.http = {
      method: event.httpMethod,
      path: event.path,
      protocol: event.requestContext.protocol ?? 'HTTP/1.1',
      sourceIp: event.requestContext.identity?.sourceIp ?? 'unknown',
      userAgent: headers['user-agent'] ?? '',
    };
    if (route.auth === 'jwt') {
      const claims = await verifyBearer(headers.authorization ?? '');
      v2.requestContext.authorizer = {
        jwt: { claims: claims as Record<string, string>, scopes: null },
        principalId: '',
        integrationLatency: 0,
      };
    }
  },
});

/** Origins allowed in `CORS_ALLOW_ORIGINS` (comma-separated) get the headers a browser needs to read the answer. */
export const restApiCors = (): MiddlewareObj<Event, Result> => {
  const add = (request: { event: Event; response?: Result | null }) => {
    const allowed = (process.env.CORS_ALLOW_ORIGINS ?? '').split(',').filter(Boolean);
    const origin = Object.entries(request.event.headers ?? {}).find(([k]) => k.toLowerCase() === 'origin')?.[1];
    if (!request.response || !origin || !allowed.includes(origin)) return;
    request.response.headers = {
      ...request.response.headers,
      'access-control-allow-origin': origin,
      'access-control-expose-headers': 'content-disposition',
      vary: 'origin',
    };
  };
  return { after: add, onError: add };
};
