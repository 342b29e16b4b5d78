/** PUT /v1/systems/{systemId}: an operator registers a connected system, its connector and field strategies. */
import { z } from 'zod';
import { registerSystem } from '#core/connectors/register-system.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import { systemIdSchema } from '#core/ecif/customer.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'put-system',
  { params: z.object({ systemId: systemIdSchema }), body: systemInputSchema },
  async ({ params, body, actor, deps }) => {
    const { system, created } = await registerSystem(deps, params.systemId, body, actor);
    return { status: created ? 201 : 200, body: system };
  },
);
