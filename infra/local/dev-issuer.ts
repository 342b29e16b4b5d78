/**
 * The local dev JWT issuer. It signs with a FIXED ES256 key pair committed in the repository
 * (dev-issuer-key.json): a LOCAL DEV KEY, public on purpose, trusted only by the local gateway
 * on 127.0.0.1 and never configured in AWS (the deployed HTTP API trusts Cognito).
 * Tokens look like Cognito's: the role is in `cognito:groups: [role]` and in `scope`; a customer's
 * ecifId is in `custom:ecifId`, as the pool's pre-token-generation trigger puts it.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, importJWK, jwtVerify, SignJWT, type JWK, type JWTPayload } from 'jose';
import { roles, type Role } from '#handlers/http/routes.ts';

export const DEV_ISSUER = 'custodian-local-dev';
export const DEV_AUDIENCE = 'custodian-api';
/** The demo customer's ecifId: the default `sub` and `custom:ecifId` of a customer token. */
export const DEMO_CUSTOMER_ECIF_ID = 'C000001';

interface KeyFile {
  kid: string;
  alg: 'ES256';
  privateJwk: JWK;
}

const keyFile: KeyFile = JSON.parse(readFileSync(new URL('./dev-issuer-key.json', import.meta.url), 'utf8'));

export function isRole(value: string): value is Role {
  return (roles as readonly string[]).includes(value);
}

export function defaultSubFor(role: Role): string {
  return role === 'customer' ? DEMO_CUSTOMER_ECIF_ID : `dev-${role}`;
}

/** The scope string a dev token carries for a role. */
export function scopeFor(role: Role): string {
  return `custodian/${role}`;
}

/** The dev issuer's public JWKS (what `GET /.well-known/jwks.json` serves). */
export function devJwks(): { keys: JWK[] } {
  const { d: _private, ...pub } = keyFile.privateJwk;
  return { keys: [{ ...pub, kid: keyFile.kid, alg: keyFile.alg, use: 'sig' }] };
}

let privateKey: ReturnType<typeof importJWK> | undefined;

export interface DevTokenOptions {
  role: Role;
  sub?: string;
  /** A customer's `custom:ecifId` claim. @default `sub` */
  ecifId?: string;
  /** Default 12 hours. Negative values make an already expired token (tests). */
  ttlSeconds?: number;
  /** Extra or overriding claims (tests: wrong iss/aud). */
  claims?: JWTPayload;
}

export async function signDevToken(opts: DevTokenOptions): Promise<string> {
  if (!isRole(opts.role)) throw new Error(`unknown role: ${String(opts.role)}`);
  privateKey ??= importJWK(keyFile.privateJwk, keyFile.alg);
  const now = Math.floor(Date.now() / 1000);
  const ttl = opts.ttlSeconds ?? 12 * 3600;
  return new SignJWT({
    'cognito:groups': [opts.role],
    scope: scopeFor(opts.role),
    token_use: 'access',
    iss: DEV_ISSUER,
    aud: DEV_AUDIENCE,
    sub: opts.sub ?? defaultSubFor(opts.role),
    ...(opts.role === 'customer' ? { 'custom:ecifId': opts.ecifId ?? opts.sub ?? DEMO_CUSTOMER_ECIF_ID } : {}),
    iat: Math.min(now, now + ttl),
    exp: now + ttl,
    ...opts.claims,
  })
    .setProtectedHeader({ alg: keyFile.alg, kid: keyFile.kid, typ: 'JWT' })
    .sign(await privateKey);
}

const localJwks = createLocalJWKSet(devJwks());

/**
 * Verifies a token as the HTTP API JWT authorizer would (signature, iss, exp, nbf, and the audience:
 * `aud` of an ID token or `client_id` of an access token, as Cognito's client-credentials tokens
 * carry it). Throws on failure.
 */
export async function verifyDevToken(token: string): Promise<JWTPayload> {
  const { payload } = await jwtVerify(token, localJwks, { issuer: DEV_ISSUER, algorithms: [keyFile.alg] });
  const audiences = [payload.aud, payload.client_id].flat().filter((a) => typeof a === 'string');
  if (!audiences.includes(DEV_AUDIENCE)) throw new Error('the token is not for this API (aud / client_id)');
  return payload;
}
