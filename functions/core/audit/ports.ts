import type { AuditEvent, AuditInput, SealedEvent } from './event.ts';
import type { AuditDigest } from './digest.ts';

export interface AuditRange {
  /** Inclusive, RFC 3339. */
  from: string;
  /** Exclusive, RFC 3339. */
  to: string;
}

export interface AuditFilter {
  stream?: string;
  ecifId?: string;
  actor?: string;
  action?: string;
}

export interface AuditPage {
  items: AuditEvent[];
  /** Opaque; absent on the last page. */
  next?: string;
}

/** Write-once storage outside the table for the daily digests (S3 Object Lock in AWS). */
export interface DigestArchive {
  put(digest: AuditDigest): Promise<void>;
}

/** Append-only. Implementations serialize concurrent appends to one stream. */
export interface AuditLog {
  append(input: AuditInput): Promise<AuditEvent>;
  /** A whole stream, in seq order. */
  stream(stream: string): Promise<AuditEvent[]>;
  /** A whole stream as stored (the bytes each hash is over), in key order: what verification reads. */
  sealed(stream: string): Promise<SealedEvent[]>;
  /** Events in a time range, in time order, filtered, one page at a time. */
  events(range: AuditRange, filter: AuditFilter, page: { cursor?: string; limit: number }): Promise<AuditPage>;
  /** Streams with at least one event in the range. */
  streamsIn(range: AuditRange): Promise<string[]>;
  putDigest(digest: AuditDigest): Promise<void>;
  /** Digests of the days from..to (inclusive, `yyyy-mm-dd`), in day order. */
  digests(fromDay: string, toDay: string): Promise<AuditDigest[]>;
  latestDigestBefore(day: string): Promise<AuditDigest | undefined>;
}
