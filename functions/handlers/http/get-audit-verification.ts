/** GET /v1/audit/verifications/{id}: a verification job's progress and, once it ends, its signed result. */
import { z } from 'zod';
import { verificationStatus } from '#core/audit/verification-job.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'get-audit-verification',
  {
    summary: 'A verification job: progress, then the result (auditor)',
    params: z.strictObject({ id: z.string().regex(/^[0-9A-Z]{26}$/) }),
    responses: {
      200: z.looseObject({
        id: z.string(),
        status: z.enum(['running', 'succeeded', 'failed']),
        progress: z.looseObject({ days: z.number().int(), verified: z.number().int() }),
        result: z
          .looseObject({
            ok: z.boolean(),
            events: z.number().int(),
            streams: z.number().int(),
            digests: z.number().int(),
            firstBreak: z.looseObject({ problem: z.string() }).optional(),
          })
          .optional(),
      }),
    },
  },
  async ({ params, deps }) => ({ body: await verificationStatus(deps, params.id) }),
);
