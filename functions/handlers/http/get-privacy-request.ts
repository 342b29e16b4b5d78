/** GET /v1/privacy-requests/{id}: status and per-system outcomes. A customer sees only its own requests. */
import { z } from 'zod';
import { NotFoundError } from '#core/shared/errors.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

export const handler = httpRoute(
  'get-privacy-request',
  {
    summary: 'A request with its per-system outcomes',
    params: z.object({ id: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a request id is a ULID') }),
    responses: { 200: privacyRequestResponse },
  },
  async ({ params, actor, deps }) => {
  const request = await deps.requests.get(params.id);
  // Someone else's request answers exactly like a missing one.
  if (!request || (actor.role === 'customer' && request.ecifId !== actor.principal)) throw new NotFoundError('no such request');
  return { body: requestView(request, await deps.requests.tasks(request.id)) };
});
