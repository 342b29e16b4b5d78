import type { AuditEvent, AuditInput } from './event.ts';

/** Append-only. Implementations serialize concurrent appends to one stream. */
export interface AuditLog {
  append(input: AuditInput): Promise<AuditEvent>;
  stream(stream: string): Promise<AuditEvent[]>;
}
