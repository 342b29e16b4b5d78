/** GET /v1/metrics?from=&to= (operator, auditor): the DPO's dashboard figures for a period of at most two years. */
import { z } from 'zod';
import { dashboardMetrics } from '#core/reports/dashboard-metrics.ts';
import { httpRoute } from '../middleware/http-route.ts';

const instant = z.union([z.iso.date(), z.iso.datetime({ offset: true })]).transform((v) => new Date(v).toISOString());
const MAX_DAYS = 731;

export const handler = httpRoute(
  'dashboard-metrics',
  {
    summary: "The DPO's dashboard: requests received per week, closing against deadlines, open, overdue, due soon",
    description:
      'Requests received in [from, to) per ISO week (its Monday), request type and jurisdiction; of those answered, how many closed by the deadline they were held to and how long they took; and, as of now, open requests by status, overdue and due within `dueSoonDays`. Follow-up erasure runs Custodian starts itself are not counted.',
    query: z
      .strictObject({ from: instant, to: instant })
      .refine((q) => q.from < q.to, { message: 'from comes before to', path: ['to'] })
      .refine((q) => Date.parse(q.to) - Date.parse(q.from) <= MAX_DAYS * 86_400_000, {
        message: 'a period of at most two years',
        path: ['to'],
      }),
    responses: {
      200: z.looseObject({
        from: z.string(),
        to: z.string(),
        received: z.looseObject({
          total: z.number().int(),
          weeks: z.array(
            z.looseObject({ week: z.string(), type: z.string(), jurisdiction: z.string(), count: z.number().int() }),
          ),
        }),
        closing: z.looseObject({
          closed: z.number().int(),
          closedInTime: z.number().int(),
          shareInTime: z.number().nullable(),
          daysToClose: z.array(z.looseObject({ upToDays: z.number().nullable(), count: z.number().int() })),
        }),
        now: z.looseObject({
          openByStatus: z.record(z.string(), z.number().int()),
          overdue: z.number().int(),
          dueSoon: z.number().int(),
          dueSoonDays: z.number().int(),
        }),
      }),
    },
  },
  async ({ query, deps }) => ({
    body: await dashboardMetrics(deps.requestFigures, query, deps.clock.now(), deps.dueSoonDays),
  }),
);
