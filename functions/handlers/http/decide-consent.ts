/** POST /v1/consent-decisions: may the CRM contact this customer for this purpose on this channel? */
import { decisionInputSchema } from '#core/consent/consent.ts';
import { decideConsent } from '#core/consent/decide-consent.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute('decide-consent', { body: decisionInputSchema }, async ({ body, deps }) => ({
  body: await decideConsent(deps, body),
}));
