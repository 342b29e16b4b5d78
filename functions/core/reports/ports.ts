import type { Jurisdiction, RequestStatus, RequestType } from '../requests/request.ts';

/** Where access and portability reports are kept (S3, encrypted, per request) and how they are fetched. */
export interface ReportStore {
  /** What one system answered to an access, kept until the report is assembled. */
  putSystemData(requestId: string, systemId: string, data: Record<string, unknown>): Promise<void>;
  systemData(requestId: string, systemId: string): Promise<Record<string, unknown> | undefined>;
  /** Stores the report files; returns their keys. */
  putReport(requestId: string, files: { json: string; csv: string }): Promise<{ json: string; csv: string }>;
  /** A link that works for `seconds`, then expires. */
  downloadUrl(key: string, seconds: number): Promise<string>;
}

/** What the figures need of one request: no identifiers, no subject. */
export interface RequestFacts {
  id: string;
  type: RequestType;
  jurisdiction: Jurisdiction;
  status: RequestStatus;
  receivedAt: string;
  dueAt: string;
  extendedDueAt?: string;
  completedAt?: string;
  denialReason?: string;
  /** A follow-up erasure run Custodian started itself: not a request anyone made. */
  followUp: boolean;
}

/** The requests table read for reports: by received date and by status, through indexes, never a Scan. */
export interface RequestFigures {
  /** Requests received in [from, to), oldest first, page by page. */
  received(from: string, to: string): AsyncIterable<RequestFacts>;
  /** How many requests are in a status, optionally only those held to a deadline before `dueBefore`. */
  countByStatus(status: RequestStatus, dueBefore?: string): Promise<number>;
}
