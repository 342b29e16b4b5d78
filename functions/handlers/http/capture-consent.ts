/** POST /v1/consents: give or withdraw consent, for oneself or (crm, operator) on a customer's behalf with evidence. */
import { captureConsent } from '#core/consent/capture-consent.ts';
import { captureInputSchema } from '#core/consent/consent.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute('capture-consent', { body: captureInputSchema }, async ({ body, actor, deps }) => ({
  status: 201,
  body: await captureConsent(deps, body, actor),
}));
