/**
 * Errors as RFC 9457 problem details: the one place that maps a named error to an HTTP status.
 * Anything unnamed is a 500 with no detail: its message may hold what we must not show.
 */
import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { z } from 'zod';
import { DomainError, type ErrorKind } from '#core/shared/errors.ts';

/** Exhaustive: a kind without its status does not compile. */
const statusByKind: Record<ErrorKind, 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429> = {
  'invalid-input': 422,
  'malformed-body': 400,
  'unsupported-media-type': 415,
  'payload-too-large': 413,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  suppressed: 409,
  'idempotency-key-reused': 422,
  'verification-failed': 422,
  'unverified-outcome': 422,
  'too-many-requests': 429,
};

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** RFC 9457 problem details as this API sends them (documented in OpenAPI for every route). */
export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
  })
  .catchall(z.unknown());

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

/**
 * Where an issue is and what is expected there, never what was sent. zod's messages name the
 * expectation, except for keys: an unknown key's message quotes it, and a record key (the callback's
 * `data`) is part of the path. Those name the object that holds them instead.
 */
function issueOf(i: z.core.$ZodIssue): { path: string; message: string; code: string } {
  const path = i.code === 'invalid_key' ? i.path.slice(0, -1) : i.path;
  const safe = path.map((p) => (typeof p === 'number' || /^[A-Za-z][A-Za-z0-9_]{0,63}$/.test(String(p)) ? p : '*'));
  const message =
    i.code === 'unrecognized_keys'
      ? `${i.keys.length === 1 ? 'a key' : `${i.keys.length} keys`} this object does not take`
      : i.code === 'invalid_key'
        ? 'a key this object does not take'
        : i.message;
  return { path: safe.map(String).join('.'), message, code: i.code };
}

/** `instance` is the route's template (`/v1/subjects/{ecifId}/consents`): never the ids of the path. */
export function problemOf(err: unknown, instance?: string): Problem {
  if (err instanceof DomainError) {
    const status = statusByKind[err.kind];
    // Extensions first: an error's extra members never overwrite the RFC 9457 ones.
    return {
      ...err.extensions,
      type: `https://custodian.dev/problems/${err.kind}`,
      title: titles[status],
      status,
      detail: err.message,
      instance,
    };
  }
  if (err instanceof z.ZodError) {
    return {
      type: 'https://custodian.dev/problems/invalid-input',
      title: titles[422],
      status: 422,
      detail: 'the request does not match the schema of this route',
      instance,
      errors: err.issues.map(issueOf),
    };
  }
  return { type: 'about:blank', title: titles[500], status: 500, instance };
}

export function problemResponse(problem: Problem): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...(typeof problem.retryAfter === 'number' ? { 'retry-after': String(problem.retryAfter) } : {}),
    },
    body: JSON.stringify(problem),
  };
}
