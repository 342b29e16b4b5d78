/**
 * Where a signed-in customer's ecifId is: the user pool's immutable custom attribute `custom:ecifId`,
 * set when the account is created (the steward's import or an operator), never by the customer's own
 * app client. Cognito's `sub` is a UUID it assigns itself: it cannot be the customer number.
 */
import { ecifIdSchema } from './customer.ts';

/** The attribute, and the claim the pre-token-generation trigger puts into ID and access tokens. */
export const ECIF_ID_ATTRIBUTE = 'custom:ecifId';

/** The claims a customer's tokens carry: its ecifId when the account has a well-formed one, else none. */
export function customerTokenClaims(attributes: Record<string, string | undefined>): Record<string, string> {
  const ecifId = attributes[ECIF_ID_ATTRIBUTE];
  return ecifIdSchema.safeParse(ecifId).success ? { [ECIF_ID_ATTRIBUTE]: ecifId! } : {};
}
