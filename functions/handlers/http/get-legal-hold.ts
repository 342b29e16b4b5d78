/** GET /v1/subjects/{ecifId}/legal-hold (operator, auditor): the hold on a subject, 404 when none. */
import { currentHold } from '#core/ecif/legal-hold.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { legalHoldResponse } from './responses.ts';
import { subjectParams } from './subject-access.ts';

export const handler = httpRoute(
  'get-legal-hold',
  { summary: 'The legal hold on a subject', params: subjectParams, responses: { 200: legalHoldResponse } },
  async ({ params, deps }) => ({ body: await currentHold(deps, params.ecifId) }),
);
