/** POST /v1/ecif/merges (steward): merges duplicate golden records into a survivor; a repeat changes nothing. */
import { mergeCustomers, mergeInputSchema } from '#core/ecif/merge-customers.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { mergeResponse } from './responses.ts';

export const handler = httpRoute(
  'post-ecif-merge',
  {
    summary: 'Merge golden records into a survivor (steward)',
    body: mergeInputSchema,
    responses: { 200: mergeResponse },
  },
  async ({ body, actor, deps }) => ({ status: 200, body: await mergeCustomers(deps, body, actor) }),
);
