/**
 * A rest system's credentials against a real token endpoint (the Salesforce-shaped stand-in): an
 * OAuth2 token is fetched once for the calls that need it together, kept until a minute before it
 * expires, dropped by a 401; refusals name what is wrong, never a secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forgetTokens, VendorCredentials } from '#adapters/connectors/rest/vendor-credentials.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { startVendorApi, type VendorApi } from '#infra/local/demo/vendor-api.ts';

const secret = JSON.stringify({ clientId: 'custodian', clientSecret: 's3cr3t-value' });
let vendor: VendorApi;
beforeAll(async () => {
  vendor = await startVendorApi({ kind: 'salesforce', secret, tokenSeconds: 3600 });
});
afterAll(async () => vendor?.stop());

const tokenCalls = () => vendor.calls.filter((c) => c.path.endsWith('/token')).length;

function credentials(value: string, now: () => number) {
  forgetTokens();
  return new VendorCredentials(
    { kind: 'oauth2_client_credentials', tokenUrl: '{{baseUrl}}/services/oauth2/token' },
    { baseUrl: vendor.url, settings: {} },
    async () => value,
    5_000,
    now,
  );
}

describe('OAuth2 client credentials', () => {
  it('one token for calls made together, kept until a minute before expiry, then a new one; a 401 drops it', async () => {
    let t = 1_000_000;
    const c = credentials(secret, () => t);
    const before = tokenCalls();
    const [a, b] = await Promise.all([c.headers(), c.headers()]);
    expect(a.authorization).toMatch(/^Bearer tok-/);
    expect(b).toEqual(a);
    expect(tokenCalls() - before).toBe(1);
    t += 3_600_000 - 61_000;
    expect(await c.headers()).toEqual(a);
    t += 2_000;
    const renewed = await c.headers();
    expect(renewed).not.toEqual(a);
    expect(tokenCalls() - before).toBe(2);
    expect(c.refresh()).toBe(true);
    expect(await c.headers()).not.toEqual(renewed);
    expect(tokenCalls() - before).toBe(3);
  });

  it('wrong client credentials or a secret without them: permanent, and the message holds no secret', async () => {
    const wrong = credentials(JSON.stringify({ clientId: 'custodian', clientSecret: 'not-it' }), Date.now);
    const err = await wrong.headers().catch((e: Error) => e);
    expect(err).toBeInstanceOf(PermanentSystemError);
    expect((err as Error).message).toBe('the token endpoint refused the client credentials (401)');
    const partial = await credentials(JSON.stringify({ clientId: 'custodian' }), Date.now)
      .headers()
      .catch((e: Error) => e);
    expect((partial as Error).message).toBe("the system's secret has no clientSecret");
    const plain = await credentials('s3cr3t-value', Date.now)
      .headers()
      .catch((e: Error) => e);
    expect((plain as Error).message).not.toContain('s3cr3t');
  });

  it('basic, bearer and api-key secrets go in their headers; only OAuth2 retries a 401', async () => {
    const basic = new VendorCredentials(
      { kind: 'basic' },
      { baseUrl: vendor.url, settings: {} },
      async () => JSON.stringify({ username: 'u', password: 'p' }),
      1_000,
    );
    expect(await basic.headers()).toEqual({ authorization: `Basic ${Buffer.from('u:p').toString('base64')}` });
    expect(basic.refresh()).toBe(false);
    const key = new VendorCredentials(
      { kind: 'api_key', header: 'X-Api-Key', prefix: '' },
      { baseUrl: vendor.url, settings: {} },
      async () => 'k-1',
      1_000,
    );
    expect(await key.headers()).toEqual({ 'x-api-key': 'k-1' });
  });
});
