/** One NDJSON export line per audit event: what `npm run audit:verify` reads back. */
import type { AuditEvent } from './event.ts';

export const exportLine = (event: AuditEvent): string => JSON.stringify(event);
