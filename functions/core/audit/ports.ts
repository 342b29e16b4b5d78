import type { AuditEvent, AuditInput, SealedEvent } from './event.ts';
import type { AuditDigest, AuditSignature } from './digest.ts';
import type { DayVerification } from './verify-day.ts';
import type { VerificationJob, VerificationResult } from './verification-job.ts';
import type { ExportJob, ExportPart, ExportResult } from './export-job.ts';

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
  /**
   * The public keys that check the digests, kept beside them under the same lock: a key rotated out
   * of KMS (or GET /v1/audit/keys gone) still checks the days it signed. Written once per key id.
   */
  putKeys(keys: AuditPublicKey[]): Promise<void>;
}

/** A stored event with the key it is stored under: bytes moved to another key disagree with it. */
export interface StoredEvent extends SealedEvent {
  stream: string;
  seq: number;
}

/** Append-only. Implementations serialize concurrent appends to one stream. */
export interface AuditLog {
  append(input: AuditInput): Promise<AuditEvent>;
  /** A whole stream, in seq order. */
  stream(stream: string): Promise<AuditEvent[]>;
  /** A whole stream as stored (the bytes each hash is over), in key order: what verification reads. */
  sealed(stream: string): Promise<SealedEvent[]>;
  /**
   * A day's stored events from the day index, in time order, a page at a time: what a day's
   * verification reads, so memory holds one page (and a head per stream of the day).
   */
  dayEvents(day: string): AsyncIterable<StoredEvent[]>;
  /** The stored events at these keys, in any order; absent ones are left out. */
  eventsAt(keys: { stream: string; seq: number }[]): Promise<StoredEvent[]>;
  /** Events in a time range, in time order, filtered, one page at a time. */
  events(range: AuditRange, filter: AuditFilter, page: { cursor?: string; limit: number }): Promise<AuditPage>;
  /** Streams with at least one event in the range. */
  streamsIn(range: AuditRange): Promise<string[]>;
  putDigest(digest: AuditDigest): Promise<void>;
  /** Digests of the days from..to (inclusive, `yyyy-mm-dd`), in day order. */
  digests(fromDay: string, toDay: string): Promise<AuditDigest[]>;
  latestDigestBefore(day: string): Promise<AuditDigest | undefined>;
}

/**
 * Verification jobs, write-once like the log: the job as asked, one result per day as its check
 * ends (progress is how many there are), then the signed result.
 */
export interface VerificationJobs {
  /** False when a job of that id exists already. */
  create(job: VerificationJob): Promise<boolean>;
  get(id: string): Promise<VerificationJob | undefined>;
  putDay(id: string, day: DayVerification): Promise<void>;
  /** The day results written so far, in day order. */
  days(id: string): Promise<DayVerification[]>;
  putResult(id: string, result: VerificationResult): Promise<void>;
  result(id: string): Promise<VerificationResult | undefined>;
}

/** Runs a verification job (a Step Functions execution named after the job). */
export interface VerificationRunner {
  start(job: VerificationJob): Promise<void>;
}

/** Signs with the audit key (an asymmetric KMS key in AWS, ECC P-256); only its public half leaves. */
export interface AuditSigner {
  sign(hash: string): Promise<AuditSignature>;
  /** The public keys that check signatures, as JWKs with their `kid`. */
  publicKeys(): Promise<AuditPublicKey[]>;
}

export interface AuditPublicKey {
  kid: string;
  kty: 'EC';
  crv: 'P-256';
  x: string;
  y: string;
  alg: 'ES256';
  use: 'sig';
}

/** Export jobs, write-once like verification jobs: the job, one part per day as it is written, the result. */
export interface ExportJobs {
  create(job: ExportJob): Promise<boolean>;
  get(id: string): Promise<ExportJob | undefined>;
  putPart(id: string, part: ExportPart): Promise<void>;
  parts(id: string): Promise<ExportPart[]>;
  putResult(id: string, result: ExportResult): Promise<void>;
  result(id: string): Promise<ExportResult | undefined>;
}

/** Runs an export job (a Step Functions execution named after the job). */
export interface ExportRunner {
  start(job: ExportJob): Promise<void>;
}

/** Where export parts and manifests are written (the reports bucket), streamed, and fetched by presigned link. */
export interface ExportFiles {
  /** Gzips the lines into `key` as they come; returns the stored bytes' SHA-256 and the line count. */
  putPart(key: string, lines: AsyncIterable<string>): Promise<{ sha256: string; lines: number }>;
  putManifest(key: string, body: string): Promise<void>;
  downloadUrl(key: string, seconds: number): Promise<string>;
}
