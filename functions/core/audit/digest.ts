/**
 * The daily digest: one hash over the head (stream, seq, hash) of every stream written that day,
 * chained to the previous day's digest. A chain alone cannot show that its last events were cut
 * off; a head recorded in a digest (and, in AWS, copied to write-once storage) can.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { genesisHash, type AuditEvent } from './event.ts';

export interface StreamHead {
  stream: string;
  seq: number;
  hash: string;
}

/** An ECDSA P-256 signature (DER, base64) over the digest's `hash`, by the key `keyId` (GET /v1/audit/keys). */
export interface AuditSignature {
  keyId: string;
  alg: 'ES256';
  value: string;
}

export interface AuditDigest {
  day: string;
  at: string;
  heads: StreamHead[];
  prevDigestHash: string;
  hash: string;
  /** Added after the hash (over it): a digest written before signing existed has none. */
  signature?: AuditSignature;
}

export function digestHash(d: Omit<AuditDigest, 'hash' | 'signature'>): string {
  return createHash('sha256').update(canonicalize(d)!).digest('hex');
}

/** Whether a digest's `hash` is the hash of its body (the signature is over the hash, not in it). */
export function digestHolds(d: AuditDigest): boolean {
  const { hash, signature: _signature, ...body } = d;
  return digestHash(body) === hash;
}

export function buildDigest(
  day: string,
  at: string,
  heads: StreamHead[],
  previous: AuditDigest | undefined,
): AuditDigest {
  const body = {
    day,
    at,
    heads: [...heads].sort((a, b) => a.stream.localeCompare(b.stream)),
    prevDigestHash: previous?.hash ?? genesisHash,
  };
  return { ...body, hash: digestHash(body) };
}

export const headOf = (events: AuditEvent[]): StreamHead | undefined => {
  const last = events.at(-1);
  return last ? { stream: last.stream, seq: last.seq, hash: last.hash } : undefined;
};
