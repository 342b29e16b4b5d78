/** GET /v1/audit/events: search by request, subject, actor, action and time; ordered, paged with an opaque cursor. */
import { z } from 'zod';
import { httpRoute } from '../middleware/http-route.ts';
import { auditEventsQuery } from './audit-range.ts';

const auditEvent = z.looseObject({
  stream: z.string(),
  seq: z.number().int(),
  at: z.string(),
  action: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});

export const handler = httpRoute(
  'audit-events',
  {
    summary: 'Search the audit log (auditor)',
    query: auditEventsQuery,
    responses: { 200: z.looseObject({ items: z.array(auditEvent), next: z.string().optional() }) },
  },
  async ({ query, deps }) => {
    const { range, requestId, cursor, limit, ...filter } = query;
    const page = await deps.audit.events(
      range,
      { ...filter, ...(requestId ? { stream: `request:${requestId}` } : {}) },
      { cursor, limit },
    );
    return { body: page };
  },
);
