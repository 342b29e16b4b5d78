/**
 * One request to a vendor's API, and what its answer means: the one table from statuses to the
 * errors the workflow retries or records. 429 holds the system's calls (Retry-After) and is retried
 * as busy; 5xx, timeouts and network faults are transient; a status the definition calls "not
 * found" is an answer; any other 4xx is permanent. Messages carry the method, the status and the
 * definition's path template, never a URL with ids, a body or a header.
 */
import type { WebhookAddresses } from '#core/connectors/ports.ts';
import type { RateLimitHeaders } from '#core/connectors/rest/definition.ts';
import { PermanentSystemError, SystemThrottledError, TransientSystemError } from '#core/shared/errors.ts';

export interface VendorRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string;
  /** For errors: the definition's path template (no ids, no values). */
  label: string;
  notFound: number[];
  retry: number[];
  /**
   * Where this deployment calls (the webhook rule, reused): checked before each call, a next page's
   * URL and the token endpoint included. Global fetch takes no socket lookup without undici, so a
   * name is resolved here just before the call. Absent: anywhere (tests, connector:check).
   */
  addresses?: WebhookAddresses;
  /** The definition's rate-limit headers, read on every answer. */
  rateLimit?: RateLimitHeaders;
}

export interface VendorAnswer {
  status: number;
  headers: Headers;
  body: unknown;
  /** The status is one the definition calls "not found". */
  missing: boolean;
  /** The vendor's rate-limit headers say its quota is spent: no call before this (epoch ms). */
  slowUntil?: number;
}

/** When the vendor names no delay: a second, so a burst still slows. */
const DEFAULT_RETRY_AFTER_MS = 1_000;
/** The longest hold one answer may put on a system (a hostile or broken header must not park it for a day). */
const MAX_RETRY_AFTER_MS = 10 * 60_000;

/** An answer's 401, kept apart: an OAuth2 token is refreshed once on it. */
export class VendorUnauthorized extends PermanentSystemError {}

export async function sendToVendor(req: VendorRequest, timeoutMs: number): Promise<VendorAnswer> {
  const refused = await req.addresses?.refusal(req.url);
  if (refused)
    throw new PermanentSystemError(`${req.method} ${req.label}: an address this deployment does not call (${refused})`);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: req.method,
      headers: req.headers,
      body: req.body,
      // A redirect is the vendor's answer, not a place to follow credentials to.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const name = (err as Error)?.name === 'TimeoutError' ? 'TimeoutError' : 'NetworkError';
    throw new TransientSystemError(`${req.method} ${req.label}: vendor unreachable (${name})`);
  }
  const text = await res.text().catch(() => '');
  const what = `${req.method} ${req.label} answered ${res.status}`;
  if (res.status === 429) throw new SystemThrottledError(what, retryAfterMs(res.headers.get('retry-after')));
  if (res.status >= 500 || req.retry.includes(res.status)) throw new TransientSystemError(what);
  const missing = req.notFound.includes(res.status);
  if (res.status === 401) throw new VendorUnauthorized(what);
  if (res.status >= 300 && !missing) throw new PermanentSystemError(what);
  let body: unknown;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      if (!missing) throw new PermanentSystemError(`${what} with a body that is not JSON`);
    }
  }
  const slowUntil = req.rateLimit ? rateLimitHold(res.headers, req.rateLimit) : undefined;
  return { status: res.status, headers: res.headers, body, missing, ...(slowUntil ? { slowUntil } : {}) };
}

/** When the vendor's rate-limit headers say its quota is spent: until the reset, bounded as Retry-After is. */
export function rateLimitHold(headers: Headers, rule: RateLimitHeaders, now = Date.now()): number | undefined {
  const remaining = Number(headers.get(rule.remaining));
  const reset = Number(headers.get(rule.reset));
  if (headers.get(rule.remaining) === null || !Number.isFinite(remaining) || remaining > rule.floor) return undefined;
  let ms = DEFAULT_RETRY_AFTER_MS;
  if (headers.get(rule.reset) !== null && Number.isFinite(reset) && reset >= 0)
    ms = rule.resetIn === 'milliseconds' ? reset : rule.resetIn === 'seconds' ? reset * 1000 : reset * 1000 - now;
  return now + Math.min(Math.max(ms, 0), MAX_RETRY_AFTER_MS);
}

/** Retry-After in seconds or as an HTTP date (RFC 9110 10.2.3), bounded. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const ms = /^\d+$/.test(header.trim()) ? Number(header.trim()) * 1000 : Date.parse(header) - now;
  if (!Number.isFinite(ms) || ms < 0) return DEFAULT_RETRY_AFTER_MS;
  return Math.min(ms, MAX_RETRY_AFTER_MS);
}

/** A form body (Stripe): nested objects as `a[b]=c`, a null as an empty value (Stripe's way to unset). */
export function formBody(value: unknown, prefix = ''): string[] {
  if (value === null || value === undefined) return prefix ? [`${encodeURIComponent(prefix)}=`] : [];
  if (typeof value === 'object')
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) =>
      formBody(v, prefix ? `${prefix}[${k}]` : k),
    );
  return [`${encodeURIComponent(prefix)}=${encodeURIComponent(String(value))}`];
}

/** The next page's URL in an RFC 8288 Link header. */
export function nextLink(link: string | null): string | undefined {
  if (!link) return undefined;
  for (const part of link.split(',')) {
    const m = /<([^>]+)>\s*;(.*)/.exec(part.trim());
    if (m && /rel="?next"?/.test(m[2])) return m[1];
  }
  return undefined;
}
