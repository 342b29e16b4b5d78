/**
 * GET /v1/audit/verifications/{id}: an audit job's progress and, once it ends, its signed result: a
 * verification's, or an export's with presigned links to its manifest and parts (both jobs run on
 * the same state machine and share this route).
 */
import { z } from 'zod';
import { exportStatus } from '#core/audit/export-job.ts';
import { verificationStatus } from '#core/audit/verification-job.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'get-audit-verification',
  {
    summary: 'An audit job (verification or export): progress, then the result (auditor)',
    description:
      'A verification shows its days verified, then the signed result. An export shows its days written, then presigned links ' +
      '(`manifest`, `parts`) that expire after `expiresInSeconds`; ask again for fresh ones.',
    params: z.strictObject({ id: z.string().regex(/^[0-9A-Z]{26}$/) }),
    responses: {
      200: z.looseObject({
        id: z.string(),
        status: z.enum(['running', 'succeeded', 'failed']),
        progress: z.looseObject({
          days: z.number().int(),
          verified: z.number().int().optional(),
          written: z.number().int().optional(),
        }),
        result: z
          .looseObject({
            ok: z.boolean().optional(),
            events: z.number().int(),
            streams: z.number().int().optional(),
            digests: z.number().int().optional(),
            firstBreak: z.looseObject({ problem: z.string() }).optional(),
          })
          .optional(),
        manifest: z.string().optional(),
        parts: z
          .array(z.looseObject({ day: z.string(), lines: z.number().int(), sha256: z.string(), url: z.string() }))
          .optional(),
      }),
    },
  },
  async ({ params, deps }) => ({
    body: (await deps.exportJobs.get(params.id))
      ? await exportStatus(deps, params.id)
      : await verificationStatus(deps, params.id),
  }),
);
