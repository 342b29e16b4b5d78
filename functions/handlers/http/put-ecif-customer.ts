/** PUT /v1/ecif/customers/{ecifId}: a data steward creates or replaces a golden record. */
import { z } from 'zod';
import { customerInputSchema, ecifIdSchema } from '#core/ecif/customer.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'put-ecif-customer',
  { params: z.object({ ecifId: ecifIdSchema }), body: customerInputSchema },
  async ({ params, body, actor, deps }) => {
    const result = await upsertCustomer(deps, params.ecifId, body, actor);
    return { status: result.created ? 201 : 200, body: result };
  },
);
