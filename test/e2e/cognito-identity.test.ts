/**
 * A customer signed in through Cognito is the right customer. The user pool is the synthesized
 * stateful template's, created in moto (groups, resource server, app clients; test/support/moto-stack.ts);
 * people sign in through moto's admin flow and get its RS256 tokens. The local runtime trusts that
 * pool's JWKS instead of the dev issuer: the gateway's JWT authorizer on `jwt` routes, the handlers'
 * own check on public and streamed routes. The customer is the ecifId of its `custom:ecifId` claim,
 * never Cognito's `sub`; without the claim, or from another pool or client, refused.
 */
import * as idp from '@aws-sdk/client-cognito-identity-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '#infra/synth.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';
import { startMoto, type Moto } from '../support/moto.ts';
import { deployStatefulToMoto } from '../support/moto-stack.ts';

let moto: Moto;
let runtime: LocalRuntime;
let cognito: idp.CognitoIdentityProviderClient;
let poolId: string;
let peopleClient: string;
const tokens: Record<string, string> = {};
const password = 'Correct-Horse-Battery-9!';

/** An account as the steward's import makes it (admin API), in a group, signed in by the admin flow: its ID token. */
async function signIn(
  pool: string,
  client: string,
  email: string,
  group: string | undefined,
  attributes: Record<string, string> = {},
) {
  await cognito.send(
    new idp.AdminCreateUserCommand({
      UserPoolId: pool,
      Username: email,
      MessageAction: 'SUPPRESS',
      UserAttributes: Object.entries({ email, email_verified: 'true', ...attributes }).map(([Name, Value]) => ({
        Name,
        Value,
      })),
    }),
  );
  await cognito.send(
    new idp.AdminSetUserPasswordCommand({ UserPoolId: pool, Username: email, Password: password, Permanent: true }),
  );
  if (group)
    await cognito.send(new idp.AdminAddUserToGroupCommand({ UserPoolId: pool, Username: email, GroupName: group }));
  const out = await cognito.send(
    new idp.AdminInitiateAuthCommand({
      UserPoolId: pool,
      ClientId: client,
      AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  );
  return { id: out.AuthenticationResult!.IdToken!, access: out.AuthenticationResult!.AccessToken! };
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));

beforeAll(async () => {
  moto = await startMoto();
  const stack = await deployStatefulToMoto(moto, synthTemplates().stateful);
  cognito = new idp.CognitoIdentityProviderClient(moto.clientConfig);
  [poolId] = stack.ofType('AWS::Cognito::UserPool').map((id) => stack.physical[id]!);
  const clients = stack.ofType('AWS::Cognito::UserPoolClient').map((id) => stack.physical[id]!);
  peopleClient = stack.physical[stack.ofType('AWS::Cognito::UserPoolClient').find((id) => /AppClient/.test(id))!]!;
  runtime = await startLocalRuntime({
    port: 0,
    webPages: false,
    identity: {
      issuer: `https://cognito-idp.us-east-1.amazonaws.com/${poolId}`,
      jwksUrl: `${moto.endpoint}/${poolId}/.well-known/jwks.json`,
      audiences: clients,
    },
  });
  tokens.steward = (await signIn(poolId!, peopleClient, 'steward@bank.example', 'steward')).id;
  tokens.auditor = (await signIn(poolId!, peopleClient, 'auditor@bank.example', 'auditor')).id;
  const alice = await signIn(poolId!, peopleClient, 'alice@mail.example', 'customer', { 'custom:ecifId': 'C000101' });
  tokens.alice = alice.id;
  tokens.aliceAccess = alice.access;
  tokens.bob = (await signIn(poolId!, peopleClient, 'bob@mail.example', 'customer', { 'custom:ecifId': 'C000102' })).id;
  tokens.noClaim = (await signIn(poolId!, peopleClient, 'carol@mail.example', 'customer')).id;
  // Another pool (moto signs every pool with one key: only the issuer tells them apart) and a client the API does not know.
  const other = await cognito.send(new idp.CreateUserPoolCommand({ PoolName: 'someone-else' }));
  const otherClient = await cognito.send(
    new idp.CreateUserPoolClientCommand({ UserPoolId: other.UserPool!.Id!, ClientName: 'other' }),
  );
  await cognito.send(new idp.CreateGroupCommand({ UserPoolId: other.UserPool!.Id!, GroupName: 'customer' }));
  tokens.otherPool = (
    await signIn(other.UserPool!.Id!, otherClient.UserPoolClient!.ClientId!, 'alice@mail.example', 'customer', {
      'custom:ecifId': 'C000101',
    })
  ).id;
  const strayClient = await cognito.send(
    new idp.CreateUserPoolClientCommand({ UserPoolId: poolId, ClientName: 'stray' }),
  );
  tokens.otherClient = (
    await cognito.send(
      new idp.AdminInitiateAuthCommand({
        UserPoolId: poolId,
        ClientId: strayClient.UserPoolClient!.ClientId!,
        AuthFlow: 'ADMIN_USER_PASSWORD_AUTH',
        AuthParameters: { USERNAME: 'alice@mail.example', PASSWORD: password },
      }),
    )
  ).AuthenticationResult!.IdToken!;
}, 240_000);

afterAll(async () => {
  await runtime?.stop();
  await moto?.stop();
});

const api = contractClient(() => runtime.apiUrl);

async function settled(id: string, token: string) {
  for (let i = 0; i < 300; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token });
    if (!['received', 'in_progress'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the request did not settle');
}

describe('a customer signed in through Cognito (moto)', () => {
  it('its token is moto-signed RS256 with the ecifId in custom:ecifId, and a sub Cognito chose', () => {
    const header = JSON.parse(Buffer.from(tokens.alice!.split('.')[0]!, 'base64url').toString('utf8'));
    expect(header.alg).toBe('RS256');
    const claims = claimsOf(tokens.alice!);
    expect(claims).toMatchObject({ 'custom:ecifId': 'C000101', 'cognito:groups': ['customer'], aud: peopleClient });
    expect(claims.sub).not.toBe('C000101');
  });

  it("the steward's Cognito token loads the golden records (a jwt route through the gateway's authorizer)", async () => {
    for (const [ecifId, given, email] of [
      ['C000101', 'Alice', 'alice@mail.example'],
      ['C000102', 'Bob', 'bob@mail.example'],
    ] as const) {
      const put = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
        token: tokens.steward,
        body: { name: { given, family: 'Example' }, emails: [email] },
      });
      expect(put.status).toBe(201);
    }
  });

  it('walks the customer steps: grants a consent, files an access request (verified by the login), sees it, downloads its report', async () => {
    const consent = await api('POST', '/v1/consents', {
      token: tokens.alice,
      body: {
        choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
        jurisdiction: 'GDPR',
        notice: { id: 'privacy-notice', version: '3' },
        method: 'web',
      },
    });
    expect(consent.status).toBe(201);
    expect(consent.body.ecifId).toBe('C000101');

    // A public route: the handler checks the bearer token itself against the pool's JWKS.
    const submitted = await api('POST', '/v1/privacy-requests', {
      token: tokens.alice,
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: 'alice@mail.example' } },
    });
    expect(submitted.status).toBe(202);
    const done = await settled(submitted.body.id, tokens.alice!);
    expect(done).toMatchObject({ status: 'completed', outcome: { result: 'report_ready' } });
    const link = await api('GET', `/v1/privacy-requests/${done.id}/report?format=json`, { token: tokens.alice });
    expect(link.status).toBe(200);
    const report = (await (await fetch(link.body.url)).json()) as Record<string, any>;
    expect(report).toMatchObject({ requestId: done.id, subject: { ecifId: 'C000101' } });
    expect(report.consents.choices).toEqual(
      expect.arrayContaining([expect.objectContaining({ purpose: 'marketing' })]),
    );

    // Another customer of the same pool: no such request.
    expect((await api('GET', `/v1/privacy-requests/${done.id}`, { token: tokens.bob })).status).toBe(404);
    expect((await api('GET', `/v1/privacy-requests/${done.id}/report`, { token: tokens.bob })).status).toBe(404);
    expect((await api('GET', '/v1/subjects/C000101/consents', { token: tokens.bob })).status).toBe(404);
  });

  it('an auditor signed in through Cognito reads the streamed export (the handler checks the token itself)', async () => {
    const from = new Date(Date.now() - 3600_000).toISOString();
    const res = await fetch(`${runtime.apiUrl}/v1/audit/export?from=${encodeURIComponent(from)}`, {
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    expect(res.status).toBe(200);
    const lines = (await res.text())
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    // The customer's own actions were recorded under its ecifId, not Cognito's sub.
    expect(lines).toContainEqual(
      expect.objectContaining({ action: 'consent.captured', actor: { role: 'customer', principal: 'C000101' } }),
    );
    expect(lines.at(-1)).toMatchObject({ export: 'end' });
  });

  it.each([
    { who: 'a customer account without custom:ecifId', token: 'noClaim', status: 403 },
    {
      who: "the customer's access token, which moto makes without the trigger's claim",
      token: 'aliceAccess',
      status: 403,
    },
    { who: 'a token of another pool', token: 'otherPool', status: 401 },
    { who: 'a token of a client the API does not know', token: 'otherClient', status: 401 },
  ])('$who: refused ($status) on customer routes, jwt and public alike', async ({ token, status }) => {
    const jwt = await api('GET', '/v1/subjects/C000101/consents', { token: tokens[token] });
    expect(jwt.status).toBe(status);
    const pub = await api('POST', '/v1/privacy-requests', {
      token: tokens[token],
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: 'alice@mail.example' } },
    });
    expect(pub.status).toBe(status);
  });
});
