/**
 * The OpenAPI 3.1 document, generated from the route table and the zod schemas that validate each
 * route (no second hand-written copy). Problem details are documented on every route.
 */
import { z } from 'zod';
import { problemSchema } from '../../middleware/problem-details.ts';
import type { RouteContract } from '../../middleware/http-route.ts';

type JsonSchema = Record<string, unknown>;

const toSchema = (schema: z.ZodType, io: 'input' | 'output'): JsonSchema => {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
};

const problemStatuses: Record<string, string> = {
  '400': 'Malformed body (not JSON, not UTF-8, empty)',
  '401': 'Missing or invalid bearer token',
  '403': 'The role may not use this route',
  '404': 'No such resource (or not yours)',
  '409': 'Conflict with the current state',
  '413': 'Body too large',
  '415': 'Body is not application/json',
  '422': 'The input does not match the schema or the rules',
  '429': 'Throttled (the route rate) or an abuse limit reached: see Retry-After',
  '500': 'Unexpected error (no detail is given)',
};

/** Path and query parameters from an object schema: one OpenAPI parameter per property. */
function parameters(schema: z.ZodType | undefined, where: 'path' | 'query' | 'header'): JsonSchema[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === 'path' || (json.required ?? []).includes(name),
    schema: s,
  }));
}

/** Every write route honours it, once in the chain (handlers/middleware/idempotency.ts). */
const idempotencyKeyParameter: JsonSchema = {
  name: 'Idempotency-Key',
  in: 'header',
  required: false,
  description:
    "The caller's own key for this write (8 to 200 visible ASCII characters, kept 24 hours): the same key and request again answer the first answer with `Idempotent-Replayed: true`; the same key with another request is a 422; while the first still runs, a 409.",
  schema: { type: 'string', minLength: 8, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' },
};

export function openApiDocument(contracts: RouteContract[], version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const { route, schemas } of contracts) {
    const op: JsonSchema = {
      operationId: route.handler,
      ...(schemas.summary ? { summary: schemas.summary } : {}),
      ...(schemas.description ? { description: schemas.description } : {}),
      tags: [route.path.split('/')[2] ?? 'service'],
      parameters: [
        ...parameters(schemas.params, 'path'),
        ...parameters(schemas.query, 'query'),
        ...parameters(schemas.headers, 'header'),
        ...('idempotent' in route && route.idempotent ? [idempotencyKeyParameter] : []),
      ],
      ...(schemas.body
        ? {
            requestBody: {
              required: true,
              content: { 'application/json': { schema: toSchema(schemas.body, 'input') } },
            },
          }
        : {}),
      ...(route.auth === 'jwt'
        ? { security: [{ bearer: [] }] }
        : route.auth === 'public'
          ? { security: [{}, { bearer: [] }] }
          : { security: [{ hmac: [] }] }),
      'x-custodian-roles': route.roles,
      // Streamed rows live on their own API in AWS (API Gateway streams on REST APIs only).
      ...(route.stream
        ? {
            servers: [
              { url: 'http://127.0.0.1:3000', description: 'npm start (the same gateway as every route)' },
              {
                url: '{exportApiUrl}',
                description: 'AWS: the streaming REST API, the stack output ExportApiUrl (not the HTTP API)',
                variables: { exportApiUrl: { default: 'https://example.execute-api.eu-west-1.amazonaws.com/api' } },
              },
            ],
          }
        : {}),
      responses: {
        ...Object.fromEntries(
          Object.entries(schemas.responses ?? { 200: z.unknown() }).map(([status, schema]) => [
            status,
            {
              description: 'Success',
              content: Object.fromEntries(
                (schemas.responseMediaTypes ?? ['application/json']).map((type) => [
                  type,
                  { schema: toSchema(schema, 'output') },
                ]),
              ),
            },
          ]),
        ),
        ...Object.fromEntries(
          Object.entries(problemStatuses).map(([status, description]) => [
            status,
            {
              description,
              content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
            },
          ]),
        ),
        // On JWT routes the HTTP API authorizer answers 401 itself, before any function runs.
        ...(route.auth === 'jwt'
          ? {
              '401': {
                description: 'Rejected by the JWT authorizer',
                content: { 'application/json': { schema: { $ref: '#/components/schemas/AuthorizerRejection' } } },
              },
            }
          : {}),
      },
    };
    (paths[route.path] ??= {})[route.method.toLowerCase()] = op;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Custodian API',
      version,
      description:
        'Privacy and consent orchestrator: consent, privacy requests (GDPR/CCPA), the ECIF, connected systems, audit.',
    },
    servers: [{ url: 'http://127.0.0.1:3000', description: 'npm start' }],
    paths,
    components: {
      schemas: {
        Problem: toSchema(problemSchema, 'output'),
        AuthorizerRejection: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
      },
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'Cognito (AWS) or the local dev issuer; the role is a Cognito group.',
        },
        hmac: {
          type: 'apiKey',
          in: 'header',
          name: 'x-custodian-signature',
          description: 't=<unix>,v1=<hex HMAC-SHA256 of "t.body">, 5-minute window',
        },
      },
    },
  };
}
