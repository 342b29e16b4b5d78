/** POST /v1/consents: give or withdraw consent, for oneself or (crm, operator) on a customer's behalf with evidence. */
import { captureConsent } from '#core/consent/capture-consent.ts';
import { captureInputSchema } from '#core/consent/consent.ts';
import { propagateOptOut } from '#core/requests/propagate-opt-out.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { consentCaptureResponse } from './responses.ts';

export const handler = httpRoute(
  'capture-consent',
  { summary: 'Give or withdraw consent (an opt-out of sale or sharing, or Sec-GPC: 1, is pushed to the systems)', body: captureInputSchema, responses: { 201: consentCaptureResponse } },
  async ({ body, actor, deps, headers }) => {
    const gpc = headers['sec-gpc']?.trim() === '1';
    const { optedOut, ...captured } = await captureConsent(deps, body, actor, { gpc });
    // The opt-out takes effect in decisions now; the systems that sell or share hear of it through the workflow.
    const propagation = optedOut ? await propagateOptOut(deps, captured.ecifId, actor, captured.gpcHonored ? 'gpc' : 'consent') : undefined;
    return { status: 201, body: { ...captured, ...(propagation ? { optOutRequestId: propagation.id } : {}) } };
  },
);
