/** POST /v1/privacy-requests/{id}/retry (operator): re-drive only the systems that failed. */
import { retryRequest } from '#core/requests/request-actions.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestParams } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'retry-privacy-request',
  {
    summary: 'Retry the failed systems of a request that needs attention',
    params: requestParams,
    responses: { 202: privacyRequestResponse },
  },
  async ({ params, actor, deps }) => ({ status: 202, body: requestView(await retryRequest(deps, params.id, actor)) }),
);
