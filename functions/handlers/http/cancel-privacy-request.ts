/** POST /v1/privacy-requests/{id}/cancel: the requester withdraws its request while it is not yet executing. */
import { cancelRequest } from '#core/requests/request-actions.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { reachableRequest, requestParams, requesterKeyHeader } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'cancel-privacy-request',
  {
    summary:
      'Cancel a request not yet executing (the customer it is for, the requester with its key, or an operator for them)',
    params: requestParams,
    headers: requesterKeyHeader,
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, actor, deps, headers }) => {
    const request = await reachableRequest(deps, params.id, actor, headers);
    return { body: requestView(await cancelRequest(deps, request.id, actor), undefined, actor) };
  },
);
