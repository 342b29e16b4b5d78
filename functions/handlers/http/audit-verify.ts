/** GET /v1/audit/verify: checks every chain with events in the range, and the digests of its days. */
import { z } from 'zod';
import { verifyAuditLog } from '#core/audit/verify-log.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

export const handler = httpRoute(
  'audit-verify',
  {
    summary: 'Verify the audit chains and digests over a time range (auditor)',
    query: auditRangeQuery,
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
