/** PUT /v1/systems/{systemId}: an operator registers a connected system, its connector and field strategies. */
import { z } from 'zod';
import { registerSystem } from '#core/connectors/register-system.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import { systemIdSchema } from '#core/ecif/customer.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { registeredSystemResponse } from './responses.ts';

export const handler = httpRoute(
  'put-system',
  {
    summary:
      'Register or replace a connected system (operator); an HTTP system is issued a signing key of its own, shown once',
    params: z.object({ systemId: systemIdSchema }),
    body: systemInputSchema,
    responses: { 200: registeredSystemResponse, 201: registeredSystemResponse },
  },
  async ({ params, body, actor, deps }) => {
    const { system, created, signingSecret } = await registerSystem(deps, params.systemId, body, actor);
    return { status: created ? 201 : 200, body: { ...system, ...(signingSecret ? { signingSecret } : {}) } };
  },
);
