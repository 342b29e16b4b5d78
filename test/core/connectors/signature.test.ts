/**
 * The webhook signature: `t=<unix seconds>,v2=<hex HMAC-SHA256 of "<t>\n<METHOD>\n<path>\n<body>">`,
 * valid for 5 minutes either side (replay window), compared in constant time. The method and the path
 * are covered: a signature made for one request's callback is refused on another's.
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { REPLAY_WINDOW_SECONDS, sign, verifySignature } from '#core/connectors/signature.ts';

const secret = 'whsec_0123456789abcdef';
const body = JSON.stringify({ requestId: '01J000', systemId: 'crm', state: 'succeeded' });
const path = '/v1/callbacks/01J000/crm';
const at = (b: string, p = path, method = 'POST') => ({ method, path: p, body: b });
const signedAt = new Date('2025-06-01T12:00:00.000Z');
const t = signedAt.getTime() / 1000;
const later = (seconds: number) => new Date(signedAt.getTime() + seconds * 1000);

describe('sign', () => {
  it('is t=<unix seconds>,v2=<HMAC-SHA256 hex of "t\\nMETHOD\\npath\\nbody">', () => {
    const expected = createHmac('sha256', secret).update(`${t}\nPOST\n${path}\n${body}`).digest('hex');
    expect(sign(secret, at(body), signedAt)).toBe(`t=1748779200,v2=${expected}`);
  });

  it('truncates milliseconds to whole seconds', () => {
    expect(sign(secret, at(body), new Date('2025-06-01T12:00:00.999Z'))).toBe(sign(secret, at(body), signedAt));
  });
});

describe('verifySignature', () => {
  const header = sign(secret, at(body), signedAt);

  it('property: what sign produces verifies, for any secret and body', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 40 }),
        fc.string({ unit: 'binary-ascii', maxLength: 200 }),
        fc.integer({ min: -REPLAY_WINDOW_SECONDS, max: REPLAY_WINDOW_SECONDS }),
        (s, b, skew) => {
          expect(verifySignature(s, at(b), sign(s, at(b), signedAt), later(skew))).toBe(true);
        },
      ),
    );
  });

  it('property: any change to the body is refused', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary-ascii', maxLength: 200 }),
        fc.string({ unit: 'binary-ascii', maxLength: 200 }),
        (b, other) => {
          fc.pre(b !== other);
          expect(verifySignature(secret, at(other), sign(secret, at(b), signedAt), signedAt)).toBe(false);
        },
      ),
    );
  });

  it('property: a signature made for one path is refused on any other (another request, another system)', () => {
    fc.assert(
      fc.property(fc.webPath(), fc.webPath(), (p, other) => {
        fc.pre(p !== other);
        expect(verifySignature(secret, at(body, other), sign(secret, at(body, p), signedAt), signedAt)).toBe(false);
      }),
    );
  });

  it('another method is refused; the method is compared in upper case', () => {
    expect(verifySignature(secret, at(body, path, 'PUT'), header, signedAt)).toBe(false);
    expect(verifySignature(secret, at(body, path, 'post'), header, signedAt)).toBe(true);
  });

  it('a v1 signature (timestamp and body only) is not taken', () => {
    const v1 = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(verifySignature(secret, at(body), `t=${t},v1=${v1}`, signedAt)).toBe(false);
  });

  it.each([
    { case: 'the same instant', header: () => header, now: signedAt, secret, body, valid: true },
    { case: 'at the edge of the window (+300 s)', header: () => header, now: later(300), secret, body, valid: true },
    {
      case: 'at the edge of the window (-300 s, clock skew)',
      header: () => header,
      now: later(-300),
      secret,
      body,
      valid: true,
    },
    {
      case: 'just outside the window (+301 s): a replay',
      header: () => header,
      now: later(301),
      secret,
      body,
      valid: false,
    },
    { case: 'signed too far ahead (-301 s)', header: () => header, now: later(-301), secret, body, valid: false },
    { case: 'an hour old', header: () => header, now: later(3600), secret, body, valid: false },
    {
      case: 'a tampered body',
      header: () => header,
      now: signedAt,
      secret,
      body: body.replace('succeeded', 'failed'),
      valid: false,
    },
    { case: 'the wrong secret', header: () => header, now: signedAt, secret: 'whsec_another', body, valid: false },
    {
      case: 'the timestamp moved (signature covers t)',
      header: () => header.replace(`t=${t}`, `t=${t + 1}`),
      now: signedAt,
      secret,
      body,
      valid: false,
    },
    { case: 'a header missing', header: () => undefined, now: signedAt, secret, body, valid: false },
    { case: 'an empty header', header: () => '', now: signedAt, secret, body, valid: false },
    { case: 'no v2', header: () => `t=${t}`, now: signedAt, secret, body, valid: false },
    { case: 'no t', header: () => header.split(',')[1], now: signedAt, secret, body, valid: false },
    {
      case: 'a non-numeric t',
      header: () => header.replace(`t=${t}`, 't=yesterday'),
      now: signedAt,
      secret,
      body,
      valid: false,
    },
    {
      case: 'a fractional t',
      header: () => header.replace(`t=${t}`, `t=${t}.5`),
      now: signedAt,
      secret,
      body,
      valid: false,
    },
    { case: 'a truncated v2', header: () => header.slice(0, -2), now: signedAt, secret, body, valid: false },
    {
      case: 'an upper-case v2',
      header: () => header.replace(/v2=([0-9a-f]+)/, (_, h: string) => `v2=${h.toUpperCase()}`),
      now: signedAt,
      secret,
      body,
      valid: false,
    },
    { case: 'garbage', header: () => 'not a signature', now: signedAt, secret, body, valid: false },
    { case: 'an empty v2', header: () => `t=${t},v2=`, now: signedAt, secret, body, valid: false },
  ])('$case -> $valid', ({ header: h, now, secret: s, body: b, valid }) => {
    expect(verifySignature(s, at(b), h(), now)).toBe(valid);
  });
});
