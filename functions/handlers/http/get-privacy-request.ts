/** GET /v1/privacy-requests/{id}: status and per-system outcomes, for whoever may reach the request. */
import { httpRoute } from '../middleware/http-route.ts';
import { reachableRequest, requestParams, requesterKeyHeader } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'get-privacy-request',
  {
    summary:
      'A request with its per-system outcomes (operator, auditor, the customer it is for, or the requester with its key)',
    params: requestParams,
    headers: requesterKeyHeader,
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, actor, deps, headers }) => {
    const request = await reachableRequest(deps, params.id, actor, headers);
    return { body: requestView(request, await deps.requests.tasks(request.id), actor) };
  },
);
