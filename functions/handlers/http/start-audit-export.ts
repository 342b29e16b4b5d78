/** POST /v1/audit/exports: starts exporting a range to the report bucket as a job; answers at once with its id. */
import { z } from 'zod';
import { startExport } from '#core/audit/export-job.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { auditRangeQuery } from './audit-range.ts';

const filter = z
  .strictObject({
    stream: z
      .string()
      .regex(/^[A-Za-z0-9#:_.-]{1,128}$/)
      .optional(),
    ecifId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    actor: z.string().min(1).max(128).optional(),
    action: z
      .string()
      .regex(/^[a-z_.]{1,64}$/)
      .optional(),
  })
  .default({});

export const handler = httpRoute(
  'start-audit-export',
  {
    summary: 'Export the audit log of a range to S3, as a job (auditor)',
    description:
      'Up to 366 days, optionally filtered. Each UTC day is written as one NDJSON.gz part (one event per line, as GET /v1/audit/export writes them) ' +
      'to the report bucket, then a manifest lists each part with its SHA-256 and line count and the daily digests of the range, ' +
      'hashed and signed with the audit key. Follow it at `GET /v1/audit/verifications/{id}` (audit jobs share it), which gives presigned links when done; ' +
      '`npm run audit:verify -- --manifest manifest.json --keys keys.json` checks the downloaded files offline.',
    body: z
      .strictObject({ from: z.string(), to: z.string().optional(), filter })
      .transform(({ filter, ...range }) => ({ filter, range: auditRangeQuery.parse(range) })),
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
    const job = await startExport(deps, body.range, body.filter, actor);
    const location = `/v1/audit/verifications/${job.id}`;
    return {
      status: 202,
      headers: { location },
      body: { id: job.id, status: 'running', days: job.days.length, location },
    };
  },
);
