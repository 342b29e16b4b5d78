/** GET /v1/ecif/imports/{id} (steward, operator): a load's progress; when finished, a link to its reject file. */
import { loadProgress } from '#core/ecif/load-job.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { loadJobResponse } from './responses.ts';
import { loadJobParams } from './start-ecif-import.ts';

export const handler = httpRoute(
  'get-ecif-import',
  { summary: 'A bulk ECIF load: progress and rejects', params: loadJobParams, responses: { 200: loadJobResponse } },
  async ({ params, deps }) => ({ body: await loadProgress(deps, params.id) }),
);
