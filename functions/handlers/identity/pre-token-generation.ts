/**
 * The user pool's pre-token-generation trigger (V2 event): the account's `custom:ecifId` into both
 * the ID and the access token, so the API finds the customer in either (CUSTOMER_ID_CLAIM). Staff and
 * machine tokens pass unchanged. Nothing about the user is logged.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { customerTokenClaims } from '#core/ecif/customer-claim.ts';
import { tracedHandler } from '../middleware/tracing.ts';

export const handler = tracedHandler(async (event: PreTokenGenerationV2TriggerEvent) => {
  const claimsToAddOrOverride = customerTokenClaims(event.request.userAttributes ?? {});
  event.response = {
    claimsAndScopeOverrideDetails: {
      idTokenGeneration: { claimsToAddOrOverride },
      accessTokenGeneration: { claimsToAddOrOverride },
    },
  };
  return event;
});
