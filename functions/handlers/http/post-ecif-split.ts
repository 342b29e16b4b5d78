/** POST /v1/ecif/splits (steward): undoes a merge, each record back to its own identifiers and ledger. */
import { mergeInputSchema, splitCustomers } from '#core/ecif/merge-customers.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { mergeResponse } from './responses.ts';

export const handler = httpRoute(
  'post-ecif-split',
  {
    summary: 'Split merged golden records from their survivor (steward)',
    body: mergeInputSchema,
    responses: { 200: mergeResponse },
  },
  async ({ body, actor, deps }) => ({ status: 200, body: await splitCustomers(deps, body, actor) }),
);
