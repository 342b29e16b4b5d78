/**
 * An audit export as a sequence of text chunks, one per page read, so the route writes each page
 * as it arrives and holds at most one page in memory however long the range is.
 *
 * NDJSON ends with one trailer line, `{"export":"end","events":N,"from":…,"to":…}`: an export cut
 * short (a failure mid-stream, a dropped connection, a streaming limit) has no trailer, or one whose
 * count disagrees, and `verifyExport` says so. CSV keeps its fixed columns and has no trailer: it is
 * the spreadsheet view; NDJSON is the evidence.
 */
import type { AuditEvent } from './event.ts';
import { exportLine } from './export-line.ts';
import type { AuditPage, AuditRange } from './ports.ts';

export type ExportFormat = 'ndjson' | 'csv';

export interface ExportTrailer {
  export: 'end';
  events: number;
  from: string;
  to: string;
}

export const exportTrailer = (events: number, range: AuditRange): string =>
  JSON.stringify({ export: 'end', events, from: range.from, to: range.to } satisfies ExportTrailer);

export function isExportTrailer(value: unknown): value is ExportTrailer {
  const v = value as Partial<ExportTrailer> | null;
  return typeof v === 'object' && v !== null && v.export === 'end' && Number.isInteger(v.events);
}

export const csvColumns = ['stream', 'seq', 'at', 'actor', 'action', 'target', 'details', 'prevHash', 'hash'] as const;

const csvCell = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const csvRow = (e: AuditEvent) => csvColumns.map((c) => csvCell(e[c])).join(',');

/** Reads one page of the range (the audit log's `events`, bound to the range and no filter). */
export type PageReader = (page: { cursor?: string; limit: number }) => Promise<AuditPage>;

/** The CSV header goes out with the first page: the first chunk is always a read of the store. */
export async function* exportChunks(
  read: PageReader,
  range: AuditRange,
  format: ExportFormat,
  pageSize = 1000,
): AsyncGenerator<string> {
  let head = format === 'csv' ? `${csvColumns.join(',')}\n` : '';
  let events = 0;
  let cursor: string | undefined;
  do {
    const page = await read({ cursor, limit: pageSize });
    if (page.items.length) {
      yield `${head + page.items.map(format === 'ndjson' ? exportLine : csvRow).join('\n')}\n`;
      head = '';
      events += page.items.length;
    }
    cursor = page.next;
  } while (cursor);
  if (format === 'ndjson') yield `${exportTrailer(events, range)}\n`;
  else if (head) yield head;
}
