/** POST /v1/audit/digests: writes a day's digest (write-once; in AWS a daily schedule calls the same use case). */
import { z } from 'zod';
import { writeDailyDigest } from '#core/audit/verify-log.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'audit-digest',
  {
    summary: 'Write the digest of a day (operator, auditor)',
    body: z.strictObject({ day: z.iso.date() }),
    responses: {
      201: z.looseObject({ day: z.string(), hash: z.string(), heads: z.array(z.looseObject({ stream: z.string() })) }),
    },
  },
  async ({ body, actor, deps }) => ({ status: 201, body: await writeDailyDigest(deps, body.day, actor) }),
);
