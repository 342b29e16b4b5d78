/** POST /v1/consents: give or withdraw consent, for oneself or (crm, operator) on a customer's behalf with evidence. */
import { giveOrWithdrawConsent } from '#core/consent/capture-consent.ts';
import { captureInputSchema } from '#core/consent/consent.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { consentCaptureResponse } from './responses.ts';

export const handler = httpRoute(
  'capture-consent',
  {
    summary: 'Give or withdraw consent (an opt-out of sale or sharing, or Sec-GPC: 1, is pushed to the systems)',
    body: captureInputSchema,
    responses: { 201: consentCaptureResponse },
  },
  async ({ body, actor, deps, headers }) => ({
    status: 201,
    body: await giveOrWithdrawConsent(deps, body, actor, { gpc: headers['sec-gpc']?.trim() === '1' }),
  }),
);
