/**
 * POST /v1/ecif/merges (steward): merges duplicate golden records into a survivor, or with
 * `action: "split"` undoes that merge; a repeat of either changes nothing.
 */
import { mergeCustomers, mergeRequestSchema, splitCustomers } from '#core/ecif/merge-customers.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { mergeResponse } from './responses.ts';

export const handler = httpRoute(
  'post-ecif-merge',
  {
    summary: 'Merge golden records into a survivor, or split them from it (steward)',
    body: mergeRequestSchema,
    responses: { 200: mergeResponse },
  },
  async ({ body: { action, ...input }, actor, deps }) => ({
    status: 200,
    body: await (action === 'split' ? splitCustomers : mergeCustomers)(deps, input, actor),
  }),
);
