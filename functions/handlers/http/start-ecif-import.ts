/** POST /v1/ecif/imports/{id}/start (steward): starts the load once its file is there; starting again is a no-op. */
import { z } from 'zod';
import { startLoad } from '#core/ecif/load-job.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { loadJobResponse } from './responses.ts';

export const loadJobParams = z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a load job id is a ULID') });

export const handler = httpRoute(
  'start-ecif-import',
  { summary: 'Start a bulk ECIF load (steward)', params: loadJobParams, responses: { 202: loadJobResponse } },
  async ({ params, actor, deps }) => ({ status: 202, body: await startLoad(deps, params.id, actor) }),
);
