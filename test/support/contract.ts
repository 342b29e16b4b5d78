/**
 * The contract check: a response received by an integration test must validate against
 * docs/openapi.json for its route and status (and content type).
 */
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { compileRoutes, matchRoute } from '#infra/local/gateway.ts';
import { routeTable } from '#handlers/http/routes.ts';

const doc = JSON.parse(readFileSync(new URL('../../docs/openapi.json', import.meta.url), 'utf8'));
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (a: Ajv2020) => void)(ajv);
ajv.addSchema({ $id: 'openapi', components: doc.components });
const routes = compileRoutes(routeTable);
const validators = new Map<string, ReturnType<Ajv2020['compile']>>();

/** Throws with the reasons when a response breaks the documented contract; unmatched paths are the gateway's own 404. */
export function assertContract(
  method: string,
  path: string,
  status: number,
  contentType: string | null,
  body: unknown,
): void {
  const match = matchRoute(routes, method, path.split('?')[0]);
  if (match.kind !== 'match') return;
  const { route } = match.compiled;
  const op = doc.paths[route.path]?.[route.method.toLowerCase()];
  if (!op) throw new Error(`${route.method} ${route.path} is not in docs/openapi.json (run npm run openapi)`);
  const response = op.responses[String(status)];
  if (!response) throw new Error(`${route.method} ${route.path} answered ${status}, which the document does not list`);
  const type = (contentType ?? '').split(';')[0].trim();
  const media = response.content?.[type];
  if (!media)
    throw new Error(
      `${route.method} ${route.path} ${status} answered ${type}, the document says ${Object.keys(response.content ?? {}).join(', ')}`,
    );
  const key = `${route.method} ${route.path} ${status} ${type}`;
  let validate = validators.get(key);
  if (!validate) {
    validate = ajv.compile(rewriteRefs(media.schema) as object);
    validators.set(key, validate);
  }
  if (!validate(body)) throw new Error(`${key}: ${ajv.errorsText(validate.errors)}`);
}

/** `#/components/...` refs point into the schema registered as `openapi`. */
function rewriteRefs(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(rewriteRefs);
  if (schema && typeof schema === 'object') {
    return Object.fromEntries(
      Object.entries(schema).map(([k, v]) => [
        k,
        k === '$ref' && typeof v === 'string' && v.startsWith('#/') ? `openapi${v}` : rewriteRefs(v),
      ]),
    );
  }
  return schema;
}

export interface ApiCall {
  token?: string;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/**
 * Calls the API as a client would, and checks every answer against docs/openapi.json for its route
 * and status (the contract test rides along with every end-to-end test).
 */
export function contractClient(baseUrl: () => string) {
  return async function api(method: string, path: string, opts: ApiCall = {}) {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        ...(opts.body !== undefined || opts.raw !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
        ...opts.headers,
      },
      body: opts.raw ?? (opts.body !== undefined ? JSON.stringify(opts.body) : undefined),
    });
    const text = await res.text();
    const body = text ? JSON.parse(text) : undefined;
    assertContract(method, path, res.status, res.headers.get('content-type'), body);
    return { status: res.status, headers: res.headers, body };
  };
}
