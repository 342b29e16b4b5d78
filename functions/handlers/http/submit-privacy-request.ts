/** POST /v1/privacy-requests: anyone may ask; a customer token verifies by login, anyone else by code. */
import { requestInputSchema } from '#core/requests/request.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { enforceLimit } from '#core/requests/abuse-limits.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'submit-privacy-request',
  {
    summary:
      'Submit a privacy request (anyone; a customer token verifies by login, anyone else by a code sent to a contact on file)',
    body: requestInputSchema,
    responses: { 202: privacyRequestResponse, 200: privacyRequestResponse },
  },
  async ({ body, actor, deps, sourceIp }) => {
    const started = Date.now();
    if (actor.role === 'anonymous')
      await enforceLimit(deps, 'submission', sourceIp, deps.abuseLimits.submissionsPerHour);
    const { request, requesterKey, duplicate } = await submitRequest(deps, body, actor);
    // Sending a code takes time that not sending one does not: an anonymous reply is held to a floor.
    if (actor.role === 'anonymous') await holdUntil(started + deps.anonymousReplyFloorMs);
    return {
      // A signed-in customer's second open request of one type is answered with the first (200).
      status: duplicate ? 200 : 202,
      headers: {
        location: `/v1/privacy-requests/${request.id}`,
        ...(duplicate ? { 'duplicate-of-open-request': 'true' } : {}),
      },
      body: { ...requestView(request, undefined, actor), ...(requesterKey ? { requesterKey } : {}) },
    };
  },
);

const holdUntil = (t: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, t - Date.now())));
