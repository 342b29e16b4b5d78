/**
 * GET /v1/audit/export: the events of a range with their chain fields, as NDJSON (one event per
 * line, what `npm run audit:verify` reads offline) or CSV. Read page by page; the CLI pages
 * /v1/audit/events itself for exports larger than one response.
 */
import { z } from 'zod';
import type { AuditEvent } from '#core/audit/event.ts';
import { exportLine } from '#core/audit/export-line.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

const MAX_EVENTS = 20_000;
const query = z.strictObject({ from: z.string(), to: z.string().optional(), format: z.enum(['ndjson', 'csv']).default('ndjson') }).transform(({ format, ...range }) => ({ format, range: auditRangeQuery.parse(range) }));

const csvCell = (v: unknown) => {
  const s = typeof v === 'string' ? v : JSON.stringify(v ?? '');
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const columns = ['stream', 'seq', 'at', 'actor', 'action', 'target', 'details', 'prevHash', 'hash'] as const;

export const handler = httpRoute('audit-export', { summary: 'Export the audit log of a range (auditor)', query, responses: { 200: z.string() }, responseMediaTypes: ['application/x-ndjson', 'text/csv'] }, async ({ query, deps }) => {
  const events: AuditEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.audit.events(query.range, {}, { cursor, limit: 1000 });
    events.push(...page.items);
    cursor = page.next;
  } while (cursor && events.length < MAX_EVENTS);
  const text =
    query.format === 'ndjson'
      ? events.map(exportLine).join('\n') + (events.length ? '\n' : '')
      : [columns.join(','), ...events.map((e) => columns.map((c) => csvCell(e[c])).join(','))].join('\n') + '\n';
  return {
    raw: text,
    headers: {
      'content-type': query.format === 'ndjson' ? 'application/x-ndjson' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-${query.range.from.slice(0, 10)}.${query.format}"`,
      ...(cursor ? { 'x-custodian-truncated': 'true' } : {}),
    },
  };
});
