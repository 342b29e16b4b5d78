/** PUT /v1/ecif/customers/{ecifId}: a data steward creates or replaces a golden record. */
import { z } from 'zod';
import { customerInputSchema, ecifIdSchema } from '#core/ecif/customer.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { upsertCustomerResponse } from './responses.ts';

export const handler = httpRoute(
  'put-ecif-customer',
  {
    summary: 'Create or replace a golden record (steward)',
    params: z.object({ ecifId: ecifIdSchema }),
    body: customerInputSchema,
    responses: { 200: upsertCustomerResponse, 201: upsertCustomerResponse },
  },
  async ({ params, body, actor, deps }) => {
    const result = await upsertCustomer(deps, params.ecifId, body, actor);
    return { status: result.created ? 201 : 200, body: result };
  },
);
