/** POST /v1/ecif/resolve (steward, operator): the ecifId and cross-references behind any identifier. */
import { resolveIdentity, resolveInputSchema } from '#core/ecif/resolve-subject.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { resolutionResponse } from './responses.ts';

export const handler = httpRoute(
  'resolve-ecif-customer',
  {
    summary:
      'Resolve a customer by email, phone, national id or a system’s local id (404 when none, or several, match)',
    body: resolveInputSchema,
    responses: { 200: resolutionResponse },
  },
  async ({ body, actor, deps }) => ({ body: await resolveIdentity(deps, body, actor) }),
);
