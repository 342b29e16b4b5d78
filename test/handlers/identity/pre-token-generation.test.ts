/**
 * The pre-token-generation trigger with the V2 event as Cognito documents it
 * (docs.aws.amazon.com/cognito/latest/developerguide/user-pool-lambda-pre-token-generation.html):
 * a customer's `custom:ecifId` goes into both tokens; an account without one, or with one that is no
 * ecifId, gets no claim (and so is refused by the API); staff pass unchanged.
 */
import type { PreTokenGenerationV2TriggerEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { handler } from '#handlers/identity/pre-token-generation.ts';

function event(userAttributes: Record<string, string>): PreTokenGenerationV2TriggerEvent {
  return {
    version: '2',
    triggerSource: 'TokenGeneration_Authentication',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_EXAMPLE',
    userName: 'f4e8d2c1-0000-4000-8000-000000000001',
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    request: {
      userAttributes: { sub: 'f4e8d2c1-0000-4000-8000-000000000001', email_verified: 'true', ...userAttributes },
      groupConfiguration: { groupsToOverride: ['customer'], iamRolesToOverride: [], preferredRole: undefined },
      scopes: ['aws.cognito.signin.user.admin'],
    },
    response: { claimsAndScopeOverrideDetails: null },
  } as unknown as PreTokenGenerationV2TriggerEvent;
}

describe('pre-token-generation (V2)', () => {
  it("puts the account's custom:ecifId into the ID and the access token", async () => {
    const out = await handler(event({ 'custom:ecifId': 'C000042', email: 'someone@mail.example' }));
    expect(out.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: { 'custom:ecifId': 'C000042' } },
      accessTokenGeneration: { claimsToAddOrOverride: { 'custom:ecifId': 'C000042' } },
    });
    // Nothing else of the account (the email) is copied into the tokens.
    expect(JSON.stringify(out.response)).not.toContain('someone@mail.example');
  });

  it.each([
    { rule: 'an account without the attribute (staff)', attributes: {} as Record<string, string> },
    { rule: 'a value that is no ecifId', attributes: { 'custom:ecifId': 'C1 OR 1=1; --' } },
  ])('$rule: no claim added', async ({ attributes }) => {
    const out = await handler(event(attributes));
    expect(out.response.claimsAndScopeOverrideDetails).toEqual({
      idTokenGeneration: { claimsToAddOrOverride: {} },
      accessTokenGeneration: { claimsToAddOrOverride: {} },
    });
  });
});
