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

/** A stream written on a day: the first and last seq it was given that day. */
export interface DayStream {
  stream: string;
  first: number;
  last: number;
}

/** Append-only. Implementations serialize concurrent appends to one stream. */
export interface AuditLog {
  append(input: AuditInput): Promise<AuditEvent>;
  /** A whole stream, in seq order. */
  stream(stream: string): Promise<AuditEvent[]>;
  /** A whole stream as stored (the bytes each hash is over), in key order: what verification reads. */
  sealed(stream: string): Promise<SealedEvent[]>;
  /**
   * One stream's stored events with seq `from` to `to` (inclusive), in key order, a page at a time:
   * what a day's verification reads, one stream at a time, so memory holds one page.
   */
  sealedPages(stream: string, from: number, to: number): AsyncIterable<SealedEvent[]>;
  /** The streams written on a day (the day index), each with the first and last seq of that day. */
  dayStreams(day: string): Promise<DayStream[]>;
  /** Events in a time range, in time order, filtered, one page at a time. */
  events(range: AuditRange, filter: AuditFilter, page: { cursor?: string; limit: number }): Promise<AuditPage>;
  /** Streams with at least one event in the range. */
  streamsIn(range: AuditRange): Promise<string[]>;
  putDigest(digest: AuditDigest): Promise<void>;
  /** Digests of the days from..to (inclusive, `yyyy-mm-dd`), in day order. */
  digests(fromDay: string, toDay: string): Promise<AuditDigest[]>;
  latestDigestBefore(day: string): Promise<AuditDigest | undefined>;
}
