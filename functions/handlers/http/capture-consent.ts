/** POST /v1/consents: give or withdraw consent, for oneself or (crm, operator) on a customer's behalf with evidence. */
import { captureConsent } from '#core/consent/capture-consent.ts';
import { captureInputSchema } from '#core/consent/consent.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { consentCaptureResponse } from './responses.ts';

export const handler = httpRoute('capture-consent', { summary: 'Give or withdraw consent', body: captureInputSchema, responses: { 201: consentCaptureResponse } }, async ({ body, actor, deps, headers }) => ({
  status: 201,
  body: await captureConsent(deps, body, actor, { gpc: headers['sec-gpc']?.trim() === '1' }),
}));
