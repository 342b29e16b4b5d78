/**
 * How a CRM checks a decision token offline, with jose alone: the deployment's published keys
 * (GET /v1/consent-decisions/keys, a JWKS: fetch it once and cache it), then the signature, the
 * token type, who signed (iss), for which deployment (aud) and until when (exp). docs/campaign-check.md
 * shows this file; test/handlers/http/consent.test.ts runs it against the published key.
 */
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet, type JWTPayload } from 'jose';

export interface DecisionTokenClaims extends JWTPayload {
  /** allow | deny, and why (the closed list in docs/campaign-check.md). */
  dec: 'allow' | 'deny';
  rsn: string;
  /** Purpose, channel, jurisdiction asked about; the ecifId decided for (absent when no one is known). */
  pur: string;
  chn: string;
  jur: string;
  /** The consent event and the notice id@version the answer rests on. */
  evt?: string;
  nv?: string;
}

export async function verifyDecisionToken(
  token: string,
  keys: JSONWebKeySet,
  expected: { issuer: string; audience: string },
  /** When to check `exp` at: now when the token arrives; an audit of a stored token passes the send time. */
  at?: Date,
): Promise<DecisionTokenClaims> {
  const { payload } = await jwtVerify<DecisionTokenClaims>(token, createLocalJWKSet(keys), {
    algorithms: ['EdDSA'],
    typ: 'custodian-decision+jwt',
    issuer: expected.issuer,
    audience: expected.audience,
    requiredClaims: ['iat', 'exp', 'dec', 'rsn'],
    ...(at ? { currentDate: at } : {}),
  });
  return payload;
}
