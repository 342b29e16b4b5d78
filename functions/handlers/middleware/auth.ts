/**
 * Who is calling. On `jwt` routes the HTTP API authorizer (or the local gateway) already checked the
 * token: its claims arrive in the event. On `public` routes a bearer token is optional and checked
 * here against the issuer's JWKS. On `hmac` routes (callbacks) the system's signature is checked over
 * the raw body. The role table decides the rest (routes.ts).
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { config } from '#functions/config.ts';
import type { Actor } from '#core/shared/actor.ts';
import { ecifIdSchema } from '#core/ecif/customer.ts';
import { SIGNATURE_HEADER, verifySignature } from '#core/connectors/signature.ts';
import { callbackPath } from '#core/connectors/connector.ts';
import { ForbiddenError, UnauthenticatedError } from '#core/shared/errors.ts';
import { machineRoles, roles, type Role, type RouteSpec } from '../http/routes.ts';
import { logger } from './logging.ts';

export const anonymous: Actor = { role: 'anonymous', principal: 'anonymous' };

/**
 * People: Cognito puts groups in `cognito:groups` (API Gateway flattens arrays to "[a b]").
 * Machines (client credentials, no groups): the scope `custodian/<role>`, for the machine roles only.
 */
export function roleOf(claims: Record<string, unknown>): Role | undefined {
  const raw = claims['cognito:groups'];
  const groups = Array.isArray(raw)
    ? raw.map(String)
    : typeof raw === 'string'
      ? raw.replace(/^\[|\]$/g, '').split(/[\s,]+/)
      : [];
  const byGroup = roles.find((r) => groups.includes(r));
  if (byGroup || raw !== undefined) return byGroup;
  const scopes = typeof claims.scope === 'string' ? claims.scope.split(/\s+/) : [];
  return machineRoles.find((r) => scopes.includes(`custodian/${r}`));
}

export interface TrustedIssuer {
  issuer: string;
  jwksUrl: string;
  /** Client ids accepted as `aud` (ID tokens) or `client_id` (access tokens); none: any. */
  audiences?: string[];
}

/**
 * A token checked as the HTTP API JWT authorizer does: signature (the issuer's JWKS, RS256 or ES256),
 * issuer, expiry, audience. The local gateway uses the same check when told to trust a user pool.
 */
export function jwtVerifier(trusted: TrustedIssuer): (token: string) => Promise<JWTPayload> {
  const jwks = createRemoteJWKSet(new URL(trusted.jwksUrl));
  return async (token) => {
    const { payload } = await jwtVerify(token, jwks, { issuer: trusted.issuer, algorithms: ['RS256', 'ES256'] });
    // As the HTTP API JWT authorizer: Cognito ID tokens name the client in `aud`, access tokens in `client_id`.
    const audiences = [payload.aud, payload.client_id].flat().filter((a): a is string => typeof a === 'string');
    if (trusted.audiences?.length && !trusted.audiences.some((a) => audiences.includes(a)))
      throw new Error('the token is not for this API (aud / client_id)');
    return payload;
  };
}

let bearer: { key: string; verify: (token: string) => Promise<JWTPayload> } | undefined;

/** A bearer token on a public or streamed route, checked against JWT_ISSUER, JWKS_URL and JWT_AUDIENCE. */
export async function verifyBearer(header: string): Promise<JWTPayload> {
  const token = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
  const { JWKS_URL, JWT_ISSUER, JWT_AUDIENCE } = process.env;
  if (!token || !JWKS_URL || !JWT_ISSUER) throw new UnauthenticatedError('a valid bearer token is required');
  const key = `${JWT_ISSUER} ${JWKS_URL} ${JWT_AUDIENCE ?? ''}`;
  if (bearer?.key !== key)
    bearer = {
      key,
      verify: jwtVerifier({ issuer: JWT_ISSUER, jwksUrl: JWKS_URL, audiences: JWT_AUDIENCE?.split(',') }),
    };
  try {
    return await bearer.verify(token);
  } catch {
    throw new UnauthenticatedError('the bearer token is not valid');
  }
}

/** The keys a system may sign its callbacks with; `fresh`: read past the cache. */
export type CallbackKeys = (systemId: string, opts?: { fresh?: boolean }) => Promise<string[]>;

/**
 * A signed callback: the system named in the path, if the signature over its method, path and raw body is fresh and
 * made with one of its keys. None of the keys held here: they are read again (a key may have been
 * rotated in since they were; how often is bounded where they are kept), and checked once more.
 */
async function signedSystem(event: APIGatewayProxyEventV2WithJWTAuthorizer, keys: CallbackKeys): Promise<Actor> {
  const { requestId, systemId } = event.pathParameters ?? {};
  const raw = event.body ?? '';
  const body = event.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw;
  const header = event.headers?.[SIGNATURE_HEADER];
  // The path the system was given (`callback.path`), rebuilt from the route's parameters: a stage or a
  // custom domain's base path in front changes nothing, and a signature for one request or system fits no other.
  const signed = requestId && systemId ? { method: 'POST', path: callbackPath(requestId, systemId), body } : undefined;
  const signedWithOneOf = (secrets: string[]) =>
    !!signed && secrets.some((secret) => verifySignature(secret, signed, header));
  if (
    !systemId ||
    !signed ||
    !header ||
    !(signedWithOneOf(await keys(systemId)) || signedWithOneOf(await keys(systemId, { fresh: true })))
  ) {
    throw new UnauthenticatedError(
      `a valid ${SIGNATURE_HEADER} (HMAC-SHA256 over timestamp, method, path and body, within 5 minutes) is required`,
    );
  }
  return { role: 'connected-system', principal: systemId };
}

export async function actorFor(
  route: RouteSpec,
  event: APIGatewayProxyEventV2WithJWTAuthorizer,
  callbackKeys: CallbackKeys = async () => [],
): Promise<Actor> {
  if (route.auth === 'hmac') return signedSystem(event, callbackKeys);
  let claims: Record<string, unknown> | undefined = event.requestContext?.authorizer?.jwt?.claims;
  if (route.auth === 'public') {
    const header = event.headers?.authorization;
    if (!header) return anonymous;
    claims = (await verifyBearer(header)) as Record<string, unknown>;
  }
  if (!claims) throw new UnauthenticatedError('a valid bearer token is required');
  const role = roleOf(claims);
  if (!role) throw new ForbiddenError('the token carries no role this API knows');
  if (route.roles.length > 0 && !(route.roles as readonly string[]).includes(role)) {
    throw new ForbiddenError(`the role ${role} may not use this route`);
  }
  const principal = role === 'customer' ? customerNumber(claims) : claims.sub;
  if (typeof principal !== 'string' || !principal) throw new ForbiddenError('the token carries no subject');
  return { role, principal };
}

/**
 * A customer is the ecifId in the configured claim (CUSTOMER_ID_CLAIM), never Cognito's own `sub`.
 * Without it (an account created without the attribute, a trigger not attached) the customer is
 * refused on every route: logged by claim name and token use, never the token or its values.
 */
function customerNumber(claims: Record<string, unknown>): string {
  const claim = config().CUSTOMER_ID_CLAIM;
  const value = claims[claim];
  if (!ecifIdSchema.safeParse(value).success) {
    logger.warn({
      message: 'customer token without its customer number',
      claim,
      present: value !== undefined,
      tokenUse: typeof claims.token_use === 'string' ? claims.token_use : 'unknown',
    });
    throw new ForbiddenError(`the customer token carries no ${claim} claim`);
  }
  return value as string;
}
