/** POST /v1/ecif/imports (steward): a bulk load job, with a link to upload the file to, or for an object already in the import prefix. */
import { createLoad, createLoadSchema } from '#core/ecif/load-job.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { loadJobResponse } from './responses.ts';

export const handler = httpRoute(
  'create-ecif-import',
  { summary: 'Create a bulk ECIF load (steward)', body: createLoadSchema, responses: { 201: loadJobResponse } },
  async ({ body, actor, deps }) => ({ status: 201, body: await createLoad(deps, body, actor) }),
);
