/**
 * Signatures of the audit key: ECDSA P-256 with SHA-256 over the UTF-8 bytes of a hash (a digest's,
 * a verification result's, a manifest's), DER-encoded as KMS returns them. Checking needs only the
 * public key (a JWK from GET /v1/audit/keys): what `npm run audit:verify` does offline.
 */
import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import type { AuditSignature } from './digest.ts';
import type { AuditPublicKey } from './ports.ts';

export const publicKeyOf = (jwk: AuditPublicKey): KeyObject =>
  createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x, y: jwk.y }, format: 'jwk' });

/** The JWK of a public key, with its `kid`. */
export function jwkOf(key: KeyObject, kid: string): AuditPublicKey {
  const { x, y } = key.export({ format: 'jwk' });
  return { kid, kty: 'EC', crv: 'P-256', x: x!, y: y!, alg: 'ES256', use: 'sig' };
}

/** Whether `signature` is the audit key's over `hash`: its key among `keys` by kid, then ECDSA. */
export function signatureHolds(hash: string, signature: AuditSignature | undefined, keys: AuditPublicKey[]): boolean {
  if (!signature || signature.alg !== 'ES256') return false;
  const jwk = keys.find((k) => k.kid === signature.keyId);
  if (!jwk) return false;
  try {
    return verify('sha256', Buffer.from(hash, 'utf8'), publicKeyOf(jwk), Buffer.from(signature.value, 'base64'));
  } catch {
    return false;
  }
}
