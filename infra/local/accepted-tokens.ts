/** The local gateway's JWT check, remembered per token until it expires. */
import type { JWTPayload } from 'jose';

type TokenVerifier = (token: string) => Promise<JWTPayload>;

const KEPT = 1000;

/**
 * A verifier that remembers tokens it accepted until their `exp` (the answer cannot change before
 * then): a CRM sends one token for many calls, and on AWS the authorizer's check is no function's
 * CPU, while locally an ES256/RS256 check per call is taken from the functions the gateway runs. A refused token is never remembered; at most KEPT kept.
 */
export function rememberingVerifier(verify: TokenVerifier, now = () => Date.now()): TokenVerifier {
  const accepted = new Map<string, JWTPayload>();
  return async (token) => {
    const known = accepted.get(token);
    if (known && typeof known.exp === 'number' && known.exp * 1000 > now()) return known;
    accepted.delete(token);
    const payload = await verify(token);
    if (typeof payload.exp === 'number') {
      if (accepted.size >= KEPT) accepted.delete(accepted.keys().next().value as string);
      accepted.set(token, payload);
    }
    return payload;
  };
}
