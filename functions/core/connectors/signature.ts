/**
 * The webhook signature both ways (our calls to systems, their callbacks to us):
 * `X-Custodian-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256 of "<t>\n<METHOD>\n<path>\n<body>">`,
 * valid 5 minutes. The method and the path (with its query) are signed with the body: a signature made
 * for one request's callback, or one system's route, is worth nothing on another. A newline cannot occur
 * in a timestamp, a method or a request path, so the signed string is read one way only.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-custodian-signature';
export const REPLAY_WINDOW_SECONDS = 300;

/** What a signature covers besides its timestamp. */
export interface SignedRequest {
  method: string;
  /** The request target's path and query, as sent (`/webhook`, `/v1/callbacks/<requestId>/<systemId>`). */
  path: string;
  body: string;
}

/** The path and query of a URL, as an HTTP client sends it in the request line. */
export const requestPathOf = (url: string | URL): string => {
  const u = typeof url === 'string' ? new URL(url) : url;
  return `${u.pathname}${u.search}`;
};

const mac = (secret: string, t: number, r: SignedRequest) =>
  createHmac('sha256', secret).update(`${t}\n${r.method.toUpperCase()}\n${r.path}\n${r.body}`).digest('hex');

export function sign(secret: string, request: SignedRequest, at: Date = new Date()): string {
  const t = Math.floor(at.getTime() / 1000);
  return `t=${t},v2=${mac(secret, t, request)}`;
}

export function verifySignature(
  secret: string,
  request: SignedRequest,
  header: string | undefined,
  now: Date = new Date(),
): boolean {
  if (!header) return false;
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || !parts.v2 || Math.abs(now.getTime() / 1000 - t) > REPLAY_WINDOW_SECONDS) return false;
  const expected = Buffer.from(mac(secret, t, request));
  const given = Buffer.from(parts.v2);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
