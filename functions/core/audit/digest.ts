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

export interface AuditDigest {
  day: string;
  at: string;
  heads: StreamHead[];
  prevDigestHash: string;
  hash: string;
}

export function digestHash(d: Omit<AuditDigest, 'hash'>): string {
  return createHash('sha256').update(canonicalize(d)!).digest('hex');
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
