/** POST /v1/consent-decisions: may the CRM contact this customer for this purpose on this channel? */
import { decisionInputSchema } from '#core/consent/consent.ts';
import { decideConsent } from '#core/consent/decide-consent.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { consentDecisionResponse } from './responses.ts';

export const handler = httpRoute(
  'decide-consent',
  {
    summary: 'May this customer be contacted for this purpose on this channel?',
    body: decisionInputSchema,
    responses: { 200: consentDecisionResponse },
  },
  async ({ body, deps }) => ({
    body: await decideConsent(deps, body),
  }),
);
