/**
 * GET /v1/audit/verify: checks every chain with events in the range, and the digests of its days, in
 * the request: only for what fits in one (a day at most). A longer range is a 422 naming the job
 * route, POST /v1/audit/verifications, which checks any range day by day.
 */
import { z } from 'zod';
import { verifyAuditLog } from '#core/audit/verify-log.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

export const handler = httpRoute(
  'audit-verify',
  {
    summary: 'Verify the audit chains and digests over a time range (auditor)',
    description:
      'At most one day (24 hours) at once; a longer range answers 422 with `jobs`: the route that verifies it as a job.',
    query: auditRangeQuery.refine((r) => Date.parse(r.to) - Date.parse(r.from) <= 86_400_000, {
      message: 'at most one day at once: a longer range is verified as a job (POST /v1/audit/verifications)',
      path: ['to'],
    }),
    responses: {
      200: z.looseObject({
        ok: z.boolean(),
        checked: z.number().int(),
        streams: z.number().int(),
        digests: z.number().int(),
        firstBreak: z.looseObject({ problem: z.string() }).optional(),
      }),
    },
  },
  async ({ query, deps }) => ({ body: await verifyAuditLog(deps.audit, query) }),
);
