/** POST /v1/privacy-requests/{id}/verification: the requester types the code it received. */
import { z } from 'zod';
import { verifyRequest } from '#core/requests/verify-request.ts';
import { enforceLimit } from '#core/requests/abuse-limits.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestParams } from './privacy-request-access.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'verify-privacy-request',
  {
    summary: 'Verify a request with the one-time code sent to a contact on file (5 tries, 15 minutes)',
    params: requestParams,
    body: z.strictObject({ code: z.string().regex(/^\d{6}$/, 'the code is 6 digits') }),
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, body, actor, deps, sourceIp }) => {
    await enforceLimit(deps, 'verification', sourceIp, deps.abuseLimits.verificationsPerHour);
    return {
      body: requestView(await verifyRequest(deps, params.id, body.code, actor), undefined, {
        role: 'anonymous',
        principal: 'anonymous',
      }),
    };
  },
);
