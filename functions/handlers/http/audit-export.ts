/**
 * GET /v1/audit/export: the events of a range with their chain fields, as NDJSON (one event per
 * line, then a trailer line counting them: what `npm run audit:verify` reads offline) or CSV.
 * Streamed page by page: memory stays flat and there is no cap on the number of events.
 */
import { z } from 'zod';
import { config } from '#functions/config.ts';
import { exportChunks } from '#core/audit/export-stream.ts';
import { httpStreamRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

const query = z
  .strictObject({ from: z.string(), to: z.string().optional(), format: z.enum(['ndjson', 'csv']).default('ndjson') })
  .transform(({ format, ...range }) => ({ format, range: auditRangeQuery.parse(range) }));

export const handler = httpStreamRoute(
  'audit-export',
  {
    summary: 'Export the audit log of a range, streamed (auditor)',
    description:
      'Streamed as it is read, with no cap on the number of events. NDJSON: one event per line with its chain fields, then one trailer line ' +
      '`{"export":"end","events":N,"from":…,"to":…}`; an export without the trailer, or whose count disagrees, was cut short ' +
      '(`npm run audit:verify -- --complete` refuses it). CSV: a header and one row per event, no trailer. In AWS this route is served by ' +
      'the streaming REST API (the stack output ExportApiUrl), not the HTTP API.',
    query,
    responses: { 200: z.string() },
    responseMediaTypes: ['application/x-ndjson', 'text/csv'],
  },
  async ({ query, deps }) => ({
    headers: {
      'content-type': query.format === 'ndjson' ? 'application/x-ndjson' : 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="audit-${query.range.from.slice(0, 10)}.${query.format}"`,
    },
    body: exportChunks(
      (page) => deps.audit.events(query.range, {}, page),
      query.range,
      query.format,
      config().AUDIT_EXPORT_PAGE_SIZE,
    ),
  }),
);
