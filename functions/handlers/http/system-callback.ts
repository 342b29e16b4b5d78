/** POST /v1/callbacks/{requestId}/{systemId}: an async system's answer (signed; checked by the chain's hmac step). */
import { acceptSystemCallback, systemCallbackSchema } from '#core/requests/awaited-systems.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { callbackParams } from './privacy-request-access.ts';
import { callbackResponse } from './responses.ts';

export const handler = httpRoute(
  'system-callback',
  {
    summary: 'An async system answers a step it accepted (x-custodian-signature with its secret; 5-minute window)',
    params: callbackParams,
    body: systemCallbackSchema,
    responses: { 200: callbackResponse },
  },
  async ({ params, body, deps }) => ({
    body: await acceptSystemCallback(deps, params.requestId, params.systemId, body),
  }),
);
