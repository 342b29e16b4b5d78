/**
 * Signed decision tokens: a compact JWS (EdDSA, Ed25519) over what was decided, which the CRM checks
 * when it receives one and stores with each outreach as proof. Anyone checks one with the public keys
 * at GET /v1/consent-decisions/keys (a JWKS) with any JOSE library (client/verify-decision-token.ts).
 * The private key is derived from a deployment secret (never stored itself), so every function
 * instance signs with the same key and the key id names it.
 */
import { createHash, createHmac, createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import type { JSONWebKeySet } from 'jose';
import type { Decision } from './decide.ts';

/** The `typ` header of every decision token: a verifier refuses any other JWT signed by the same key. */
export const decisionTokenType = 'custodian-decision+jwt';

/** The claims, short-named: a batch of 10,000 tokens must fit one response. */
export interface DecisionClaims {
  /** Who signed: this Custodian (DECISION_TOKEN_ISSUER). */
  iss: string;
  /** The deciding deployment (DECISION_TOKEN_AUDIENCE): a token from another deployment is refused. */
  aud: string;
  /** The subject's ecifId (absent for unknown_subject, and for an erased customer named by a local id). */
  sub?: string;
  pur: string;
  chn: string;
  jur: string;
  dec: Decision['decision'];
  rsn: Decision['reason'];
  /** The consent event the decision rests on, and the notice version it was given under. */
  evt?: string;
  nv?: string;
  /** decidedAt, seconds since the epoch. */
  iat: number;
  /** iat + DECISION_TOKEN_TTL_SECONDS: a decision is acted on within minutes, or asked again. */
  exp: number;
}

/** What a decision says; the signer adds who signed it, for whom, and until when. */
export type DecidedClaims = Omit<DecisionClaims, 'iss' | 'aud' | 'exp'>;

export interface DecisionSigner {
  sign(claims: DecidedClaims): Promise<string>;
  jwks(): JSONWebKeySet;
}

export interface DecisionTokenOptions {
  issuer: string;
  audience: string;
  ttlSeconds: number;
}

// PKCS#8 prefix of an Ed25519 private key: the 32-byte seed follows.
const ED25519_PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function ed25519Signer(secret: string, opts: DecisionTokenOptions): DecisionSigner {
  const seed = createHmac('sha256', secret).update('custodian/decision-token/ed25519').digest();
  const privateKey: KeyObject = createPrivateKey({
    key: Buffer.concat([ED25519_PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = createHash('sha256').update(String(publicJwk.x)).digest('base64url').slice(0, 16);
  const header = Buffer.from(JSON.stringify({ alg: 'EdDSA', kid, typ: decisionTokenType })).toString('base64url');
  return {
    // RFC 7515 compact serialization, signed with node:crypto directly: a campaign batch signs 10,000
    // of these, and the synchronous one-shot Ed25519 is several times faster than going through
    // WebCrypto. Verification (ours in the tests, anyone's) goes through jose, which proves the format.
    sign: async (claims) => {
      const full: DecisionClaims = {
        iss: opts.issuer,
        aud: opts.audience,
        ...claims,
        exp: claims.iat + opts.ttlSeconds,
      };
      const signingInput = `${header}.${Buffer.from(JSON.stringify(full)).toString('base64url')}`;
      return `${signingInput}.${sign(null, Buffer.from(signingInput), privateKey).toString('base64url')}`;
    },
    jwks: () => ({ keys: [{ ...publicJwk, kid, alg: 'EdDSA', use: 'sig' } as JSONWebKeySet['keys'][number]] }),
  };
}

export function claimsOf(
  d: Decision & { ecifId?: string; decidedAt: string },
  ask: { purpose: string; channel: string; jurisdiction: string },
): DecidedClaims {
  return {
    ...(d.ecifId ? { sub: d.ecifId } : {}),
    pur: ask.purpose,
    chn: ask.channel,
    jur: ask.jurisdiction,
    dec: d.decision,
    rsn: d.reason,
    ...(d.evidence ? { evt: d.evidence.eventId, nv: `${d.evidence.notice.id}@${d.evidence.notice.version}` } : {}),
    iat: Math.floor(Date.parse(d.decidedAt) / 1000),
  };
}
