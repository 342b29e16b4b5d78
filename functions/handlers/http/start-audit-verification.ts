/** POST /v1/audit/verifications: starts verifying a range as a job and answers at once with its id. */
import { z } from 'zod';
import { startVerification } from '#core/audit/verification-job.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

export const handler = httpRoute(
  'start-audit-verification',
  {
    summary: 'Verify the audit log over a range, as a job (auditor)',
    description:
      'Up to 366 days. Each day is checked on its own (its streams from the event before the day, its digest), in a Step Functions job; ' +
      'follow it at `GET /v1/audit/verifications/{id}` (the `location` of the answer).',
    body: z.strictObject({ from: z.string(), to: z.string().optional() }).pipe(auditRangeQuery),
    responses: {
      202: z.looseObject({
        id: z.string(),
        status: z.literal('running'),
        days: z.number().int(),
        location: z.string(),
      }),
    },
  },
  async ({ body, actor, deps }) => {
    const job = await startVerification(deps, body, actor);
    const location = `/v1/audit/verifications/${job.id}`;
    return {
      status: 202,
      headers: { location },
      body: { id: job.id, status: 'running', days: job.days.length, location },
    };
  },
);
