/** POST /v1/privacy-requests/{id}/deny (operator): refuse with a listed reason; the requester is told of its right to complain. */
import { denyInputSchema, denyRequest } from '#core/requests/request-actions.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestParams } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'deny-privacy-request',
  {
    summary: 'Refuse a request (Art. 12(4), 11 CCR §7022-7024) with a reason from the list',
    params: requestParams,
    body: denyInputSchema,
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, body, actor, deps }) => ({ body: requestView(await denyRequest(deps, params.id, body, actor)) }),
);
