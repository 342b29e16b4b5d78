/** POST /v1/privacy-requests/{id}/extend (operator): the one extension, with its reason told to the requester. */
import { extendInputSchema, extendRequest } from '#core/requests/request-actions.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestParams } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'extend-privacy-request',
  {
    summary: 'Extend the deadline once (GDPR +2 months, CCPA +45 days), before the first one passes',
    params: requestParams,
    body: extendInputSchema,
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, body, actor, deps }) => ({ body: requestView(await extendRequest(deps, params.id, body, actor)) }),
);
