/** PUT /v1/subjects/{ecifId}/legal-hold (operator): places or restates the hold on a subject. */
import { legalHoldInputSchema, placeHold } from '#core/ecif/legal-hold.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { legalHoldResponse } from './responses.ts';
import { subjectParams } from './subject-access.ts';

export const handler = httpRoute(
  'put-legal-hold',
  {
    summary: 'Place a legal hold on a subject: erasures destroy nothing until it is released (GDPR Art. 17(3)(e))',
    params: subjectParams,
    body: legalHoldInputSchema,
    responses: { 200: legalHoldResponse, 201: legalHoldResponse },
  },
  async ({ params, body, actor, deps }) => {
    const { hold, created } = await placeHold(deps, params.ecifId, body, actor);
    return { status: created ? 201 : 200, body: hold };
  },
);
