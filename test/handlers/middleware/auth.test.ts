/**
 * A signed callback is the system named in its path only when its signature over the method, the
 * callback's path (request and system) and the raw body is fresh and made with one of that system's keys: across a rotation the current key or the one it
 * replaced, and a key rotated in since the keys were read is found by reading them again.
 */
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import { sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { ForbiddenError, UnauthenticatedError } from '#core/shared/errors.ts';
import { resetConfig } from '#functions/config.ts';
import { routeTable, type RouteSpec } from '#handlers/http/routes.ts';
import { actorFor, type CallbackKeys } from '#handlers/middleware/auth.ts';

const callbackRoute = (routeTable as readonly RouteSpec[]).find((r) => r.auth === 'hmac')!;
const body = JSON.stringify({ idempotencyKey: 'R1:vendor-x:erase:erase', status: 'succeeded' });
/** Signed as the system signs: POST, its callback path, the body. */
const signed = (key: string, b = body, at?: Date, path = '/v1/callbacks/R1/vendor-x') =>
  sign(key, { method: 'POST', path, body: b }, at);
const callback = (header: string | undefined, isBase64Encoded = false) =>
  ({
    pathParameters: { requestId: 'R1', systemId: 'vendor-x' },
    headers: header ? { [SIGNATURE_HEADER]: header } : {},
    body: isBase64Encoded ? Buffer.from(body).toString('base64') : body,
    isBase64Encoded,
  }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;

/** Keys as held here (`held`) and as a fresh read finds them (`fresh`); each lookup is recorded. */
function keysOf(held: string[], fresh = held) {
  const asked: string[] = [];
  const keys: CallbackKeys = async (systemId, opts) => (
    asked.push(`${systemId}${opts?.fresh ? ' fresh' : ''}`), opts?.fresh ? fresh : held
  );
  return { keys, asked };
}

describe('who a signed callback is', () => {
  it.each([
    { rule: 'signed with the current key', held: ['new', 'old'], signer: 'new', lookups: ['vendor-x'] },
    { rule: 'signed with the key the rotation replaced', held: ['new', 'old'], signer: 'old', lookups: ['vendor-x'] },
    {
      rule: 'signed with a key rotated in since the keys were read: found by reading them again',
      held: ['old'],
      fresh: ['new', 'old'],
      signer: 'new',
      lookups: ['vendor-x', 'vendor-x fresh'],
    },
  ])('$rule: the system', async ({ held, fresh, signer, lookups }) => {
    const { keys, asked } = keysOf(held, fresh);
    expect(await actorFor(callbackRoute, callback(signed(signer)), keys)).toEqual({
      role: 'connected-system',
      principal: 'vendor-x',
    });
    expect(asked).toEqual(lookups);
  });

  it('a body sent base64-encoded is checked as the bytes it stands for', async () => {
    expect(await actorFor(callbackRoute, callback(signed('new'), true), keysOf(['new']).keys)).toMatchObject({
      principal: 'vendor-x',
    });
  });

  it.each([
    { rule: 'signed with any other key', header: signed('someone-else') },
    { rule: 'signed over another body', header: signed('new', `${body} `) },
    { rule: 'signed more than 5 minutes ago', header: signed('new', body, new Date(Date.now() - 6 * 60_000)) },
    {
      rule: "signed for another request's callback",
      header: signed('new', body, undefined, '/v1/callbacks/R2/vendor-x'),
    },
    {
      rule: "signed for another system's callback (a key it shares with it)",
      header: signed('new', body, undefined, '/v1/callbacks/R1/crm'),
    },
    { rule: 'not signed', header: undefined },
  ])('$rule: refused (401)', async ({ header }) => {
    await expect(actorFor(callbackRoute, callback(header), keysOf(['new', 'old']).keys)).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });

  it('a system with no keys (unknown, or not an http system) is refused', async () => {
    await expect(actorFor(callbackRoute, callback(signed('new')), keysOf([]).keys)).rejects.toBeInstanceOf(
      UnauthenticatedError,
    );
  });
});

describe('who a customer is', () => {
  const route = (routeTable as readonly RouteSpec[]).find((r) => r.handler === 'get-subject-consents')!;
  const withClaims = (claims: Record<string, string>) =>
    ({ requestContext: { authorizer: { jwt: { claims } } } }) as unknown as APIGatewayProxyEventV2WithJWTAuthorizer;
  const customer = { 'cognito:groups': '[customer]', sub: '7d0c4a52-3f55-4c5e-9d8e-2b4a8f6e1c11' };
  const useClaim = (claim?: string) => {
    Object.assign(process.env, {
      TABLE_ECIF: 'unused',
      TABLE_CONSENT: 'unused',
      TABLE_REQUESTS: 'unused',
      TABLE_AUDIT: 'unused',
    });
    if (claim) process.env.CUSTOMER_ID_CLAIM = claim;
    else delete process.env.CUSTOMER_ID_CLAIM;
    resetConfig();
  };
  afterEach(() => useClaim());

  it("the ecifId in custom:ecifId, never Cognito's sub", async () => {
    useClaim();
    expect(await actorFor(route, withClaims({ ...customer, 'custom:ecifId': 'C000042' }))).toEqual({
      role: 'customer',
      principal: 'C000042',
    });
  });

  it.each([
    { rule: 'without the claim', claims: customer },
    { rule: 'with a claim that is no ecifId', claims: { ...customer, 'custom:ecifId': 'C1 OR 1=1' } },
  ])('$rule: refused (403)', async ({ claims }) => {
    useClaim();
    await expect(actorFor(route, withClaims(claims))).rejects.toBeInstanceOf(ForbiddenError);
  });

  it('sub only where the deployment declares it (CUSTOMER_ID_CLAIM=sub)', async () => {
    useClaim('sub');
    expect(await actorFor(route, withClaims({ 'cognito:groups': '[customer]', sub: 'C000043' }))).toEqual({
      role: 'customer',
      principal: 'C000043',
    });
  });

  it('staff are their sub, whatever the customer claim', async () => {
    useClaim();
    expect(await actorFor(route, withClaims({ 'cognito:groups': '[auditor]', sub: 'dpo-1' }))).toEqual({
      role: 'auditor',
      principal: 'dpo-1',
    });
  });
});
