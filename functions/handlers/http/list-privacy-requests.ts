/** GET /v1/privacy-requests (operator, auditor): the queue, by status and deadline, paged. */
import { z } from 'zod';
import { jurisdictions, openStatuses, requestStatuses, requestTypes } from '#core/requests/request.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

const query = z
  .strictObject({
    status: z.enum(requestStatuses).optional(),
    type: z.enum(requestTypes).optional(),
    jurisdiction: z.enum(jurisdictions).optional(),
    dueBefore: z.iso.datetime({ offset: true }).optional(),
    /** Open requests past their held-to deadline. */
    overdue: z.enum(['true', 'false']).optional(),
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  })
  .refine((q) => !(q.overdue === 'true' && q.dueBefore), {
    message: 'overdue and dueBefore do not go together',
    path: ['overdue'],
  });

export const handler = httpRoute(
  'list-privacy-requests',
  {
    summary: 'The request queue: filter by status, type, jurisdiction, deadline; open requests by default',
    query,
    responses: {
      200: z.looseObject({
        items: z.array(privacyRequestResponse),
        counts: z.record(z.string(), z.number()).optional(),
        next: z.string().optional(),
      }),
    },
  },
  async ({ query: q, deps }) => {
    const statuses = q.status ? [q.status] : openStatuses;
    const dueBefore =
      q.overdue === 'true' ? deps.clock.now().toISOString() : q.dueBefore && new Date(q.dueBefore).toISOString();
    const page = await deps.requests.list(
      {
        statuses,
        ...(q.type ? { type: q.type } : {}),
        ...(q.jurisdiction ? { jurisdiction: q.jurisdiction } : {}),
        ...(dueBefore ? { dueBefore } : {}),
      },
      { limit: q.limit, ...(q.cursor ? { cursor: q.cursor } : {}) },
    );
    return { body: { items: page.items.map((r) => requestView(r)), ...(page.cursor ? { next: page.cursor } : {}) } };
  },
);
