/**
 * The web pages on the local runtime, beside the API: the privacy center at `/`, the console at
 * `/console` (each page path answered with its index.html), `/config.json` (the API URL and the
 * sign-in mode, as the CDK stack writes it in AWS), and the local-only sign-in: `/dev/sign-in` picks
 * a role (and a customer's ecifId) and sends the browser back with `#access_token=<dev token>&state=`, the
 * way Cognito's hosted sign-in answers an implicit grant; `/dev/token?role=&sub=` gives the same
 * token as JSON to scripts and tests.
 *
 * The bundle (web/dist) is built by `npm run web:build`; the runtime builds it first when it is
 * missing or older than its sources.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { ecifIdSchema } from '#core/ecif/customer.ts';
import { roles } from '#handlers/http/routes.ts';
import { WEB_DIST } from '../web-build.ts';
import { defaultSubFor, isRole, signDevToken } from './dev-issuer.ts';

export interface WebConfigFile {
  apiUrl: string;
  signIn: { mode: 'local' | 'cognito' | 'none'; url?: string };
}

/** The pages' security headers, the same ones CloudFront adds in AWS (infra/constructs/web.ts). */
export function pageSecurityHeaders(connectSrc: string): Record<string, string> {
  return {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connectSrc}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'`,
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'permissions-policy': 'camera=(), microphone=(), geolocation=()',
  };
}

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

/** The pages' own paths: every other path stays the API's (404 `{"message":"Not Found"}`). */
const centerPaths = /^\/(request|consent|requests\/[0-9A-Z]{26})?$/;
const consolePaths = /^\/console(\/(audit|consents|systems|dashboard|ropa|requests\/[0-9A-Z]{26}))?\/?$/;

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** A path of this site to come back to after sign-in; anything else (another origin, `//x`) is `/`. */
export function safeReturnPath(value: string | null | undefined): string {
  if (!value?.startsWith('/') || value.startsWith('//') || /[\\\s]/.test(value)) return '/';
  return value.split('#')[0];
}

/** The page's `state` (random, URL-safe), passed back untouched; anything else is dropped. */
const signInState = (value: string | null | undefined) => (value && /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : '');

function signInPage(res: ServerResponse, role: string, returnTo: string, state: string, error?: string): void {
  const options = roles.map((r) => `<option value="${r}"${r === role ? ' selected' : ''}>${r}</option>`).join('');
  res.writeHead(error ? 422 : 200, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    ...pageSecurityHeaders("'self'"),
  });
  res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in (local)</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:2rem auto;padding:0 1rem;color:#1a1a1a}label{display:block;font-weight:600;margin:.75rem 0 .25rem}
select,input{font:inherit;padding:.4rem .6rem;border:1px solid #767676;border-radius:4px;min-width:16rem}button{font:inherit;margin-top:1rem;padding:.45rem 1rem;border-radius:6px;border:1px solid #0b5394;background:#0b5394;color:#fff}
.note{background:#f3f6fa;border-left:4px solid #0b5394;padding:.5rem 1rem}.error{border-left:4px solid #a4161a;background:#fdecea;padding:.5rem 1rem;color:#5f0b0e}
:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}</style></head>
<body><main><h1>Sign in (local runtime)</h1>
<p class="note">Local only: a dev token from the local dev issuer, trusted by this runtime alone. In AWS the pages use Cognito's hosted sign-in.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/dev/sign-in">
<input type="hidden" name="return" value="${escapeHtml(returnTo)}">
<input type="hidden" name="state" value="${escapeHtml(state)}">
<label for="role">Role</label><select id="role" name="role">${options}</select>
<label for="sub">Customer ecifId <span style="font-weight:400">(customers only; others get dev-&lt;role&gt;)</span></label><input id="sub" name="sub" value="C000001" autocomplete="off">
<div><button type="submit">Sign in</button></div>
</form></main></body></html>`);
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 4096) throw new Error('form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The role and subject a dev token is asked for, checked; a customer's sub must be an ecifId. */
function tokenRequest(
  role: string | null,
  sub: string | null,
): { role: (typeof roles)[number]; sub: string } | { error: string } {
  if (!role || !isRole(role)) return { error: `role must be one of ${roles.join(', ')}` };
  if (role !== 'customer') return { role, sub: defaultSubFor(role) };
  const ecifId = sub?.trim() || defaultSubFor('customer');
  if (!ecifIdSchema.safeParse(ecifId).success) return { error: 'an ecifId is 1-64 letters, digits, "_" or "-"' };
  return { role, sub: ecifId };
}

export interface WebPagesOptions {
  /** The API base URL the pages call ('' = the same origin). */
  apiUrl?: string;
  dist?: string;
}

/** The gateway's extra routes for the pages and the local sign-in. */
export function webPages(opts: WebPagesOptions = {}) {
  const dist = opts.dist ?? WEB_DIST;
  const config: WebConfigFile = { apiUrl: opts.apiUrl ?? '', signIn: { mode: 'local', url: '/dev/sign-in' } };
  const headers = pageSecurityHeaders(opts.apiUrl ? `'self' ${new URL(opts.apiUrl).origin}` : "'self'");

  function file(res: ServerResponse, relative: string, cache: string): boolean {
    const full = path.join(dist, relative);
    if (!full.startsWith(dist + path.sep) || !existsSync(full) || !statSync(full).isFile()) return false;
    const body = readFileSync(full);
    res.writeHead(200, {
      'content-type': types[path.extname(full)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': cache,
      ...headers,
    });
    res.end(body);
    return true;
  }

  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const p = url.pathname;
    if (p === '/dev/sign-in' && req.method === 'GET') {
      signInPage(
        res,
        url.searchParams.get('role') ?? 'customer',
        safeReturnPath(url.searchParams.get('return')),
        signInState(url.searchParams.get('state')),
      );
      return true;
    }
    if (p === '/dev/sign-in' && req.method === 'POST') {
      let form: URLSearchParams;
      try {
        form = await readForm(req);
      } catch {
        res
          .writeHead(413, { 'content-type': 'application/json' })
          .end(JSON.stringify({ message: 'Request Entity Too Large' }));
        return true;
      }
      const returnTo = safeReturnPath(form.get('return'));
      const state = signInState(form.get('state'));
      const asked = tokenRequest(form.get('role'), form.get('sub'));
      if ('error' in asked) {
        signInPage(res, form.get('role') ?? 'customer', returnTo, state, asked.error);
        return true;
      }
      const token = await signDevToken(asked);
      res
        .writeHead(303, {
          location: `${returnTo}#access_token=${token}&token_type=Bearer${state ? `&state=${state}` : ''}`,
          'cache-control': 'no-store',
        })
        .end();
      return true;
    }
    if (p === '/dev/token' && req.method === 'GET') {
      const asked = tokenRequest(url.searchParams.get('role'), url.searchParams.get('sub'));
      const body =
        'error' in asked
          ? { title: 'Unprocessable Content', status: 422, detail: asked.error }
          : { token: await signDevToken(asked), role: asked.role, sub: asked.sub };
      res.writeHead('error' in asked ? 422 : 200, {
        'content-type': 'error' in asked ? 'application/problem+json' : 'application/json',
        'cache-control': 'no-store',
      });
      res.end(JSON.stringify(body));
      return true;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    if (p === '/config.json') {
      res
        .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' })
        .end(JSON.stringify(config));
      return true;
    }
    // The Global Privacy Control well-known resource: this site honours the signal (GPC spec, section 3.5).
    if (p === '/.well-known/gpc.json') return file(res, '.well-known/gpc.json', 'public, max-age=3600');
    // Hashed file names: cached for good.
    if (p.startsWith('/assets/')) return file(res, p.slice(1), 'public, max-age=31536000, immutable');
    if (consolePaths.test(p)) return file(res, 'console/index.html', 'no-cache');
    if (centerPaths.test(p)) return file(res, 'index.html', 'no-cache');
    return false;
  };
}
