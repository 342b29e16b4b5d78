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
