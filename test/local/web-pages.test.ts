/**
 * The pages on the local gateway: each page path answered with its page, every other path still the
 * API's 404, config.json, and the local-only sign-in that hands a dev token back in the fragment,
 * refusing what it should (unknown roles, bad ecifIds, return paths to other sites).
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { devSecrets } from '#infra/local/dev-secrets.ts';
import { ensureWebBuild, WEB_DIST } from '#infra/web-build.ts';
import { startGateway, type Gateway } from '#infra/local/gateway.ts';
import { verifyDevToken } from '#infra/local/dev-issuer.ts';
import { safeReturnPath, webPages } from '#infra/local/web-pages.ts';

let gw: Gateway;
beforeAll(async () => {
  ensureWebBuild();
  gw = await startGateway({ port: 0, routes: [], extraRoutes: webPages() });
});
afterAll(() => gw?.stop());

const get = (p: string, init?: RequestInit) => fetch(`${gw.url}${p}`, { redirect: 'manual', ...init });

describe('page paths', () => {
  it.each([
    ['/', 'Privacy center'],
    ['/request?type=erasure', 'Privacy center'],
    ['/consent', 'Privacy center'],
    ['/requests/01J0000000000000000000000A', 'Privacy center'],
    ['/console', 'Custodian console'],
    ['/console/audit', 'Custodian console'],
    ['/console/requests/01J0000000000000000000000A', 'Custodian console'],
  ])('%s is the page %s, with its security headers', async (p, title) => {
    const res = await get(p);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await res.text()).toContain(`<title>${title}</title>`);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
  });

  it("serves the bundle's assets, cached for good, and nothing outside web/dist", async () => {
    const html = await (await get('/')).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)![1];
    const res = await get(script);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toContain('immutable');
    for (const p of ['/assets/../../package.json', '/assets/%2e%2e/%2e%2e/package.json', '/assets/nope.js'])
      expect((await get(p)).status).toBe(404);
  });

  it('leaves every other path to the API: 404 {"message":"Not Found"}', async () => {
    for (const p of ['/nope', '/console/nope', '/requests/not-an-id', '/dev/sign-in/x', '/config.json/x']) {
      const res = await get(p);
      expect(res.status, p).toBe(404);
      expect(await res.json()).toEqual({ message: 'Not Found' });
    }
    expect((await get('/', { method: 'POST' })).status).toBe(404);
  });

  it('serves /.well-known/gpc.json as the GPC specification describes it, from the bundle', async () => {
    const res = await get('/.well-known/gpc.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = await res.json();
    expect(body).toEqual({ gpc: true, lastUpdate: expect.stringMatching(/^\d{4}-\d{2}-\d{2}$/) });
  });

  it('config.json says where the API is and how to sign in (no secret in it)', async () => {
    const config = await (await get('/config.json')).json();
    expect(config).toEqual({ apiUrl: '', signIn: { mode: 'local', url: '/dev/sign-in' } });
  });
});

describe('the bundle', () => {
  it('holds no secret: not the dev issuer key, not the local pepper or signing secret, no key-shaped strings', () => {
    const files = readdirSync(WEB_DIST, { recursive: true, withFileTypes: true }).filter((f) => f.isFile());
    const text = files.map((f) => readFileSync(path.join(f.parentPath, f.name), 'utf8')).join('\n');
    expect(text.length).toBeGreaterThan(10_000);
    const key = JSON.parse(readFileSync(new URL('../../infra/local/dev-issuer-key.json', import.meta.url), 'utf8'));
    const { pepper, signingSecret } = devSecrets();
    for (const secret of [key.privateJwk.d, pepper, signingSecret]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/AKIA[0-9A-Z]{16}|-----BEGIN [A-Z ]*PRIVATE KEY-----|S3RVER|eyJhbGciOi/);
  });
});

describe('the local sign-in', () => {
  const signIn = (form: Record<string, string>) =>
    get('/dev/sign-in', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form),
    });

  it("offers every role, and sends the browser back with a dev token and the page's state in the fragment", async () => {
    const state = 'a1b2c3d4e5f6a7b8c9d0e1f2';
    const page = await (await get(`/dev/sign-in?role=auditor&return=/console/audit&state=${state}`)).text();
    for (const role of ['customer', 'crm', 'auditor', 'operator', 'steward'])
      expect(page).toContain(`<option value="${role}"`);
    expect(page).toContain('<option value="auditor" selected>');
    expect(page).toContain(`<input type="hidden" name="state" value="${state}">`);
    const res = await signIn({ role: 'auditor', sub: 'C000001', return: '/console/audit', state });
    expect(res.status).toBe(303);
    const location = res.headers.get('location')!;
    expect(location).toMatch(
      new RegExp(`^/console/audit#access_token=[\\w-]+\\.[\\w-]+\\.[\\w-]+&token_type=Bearer&state=${state}$`),
    );
    const claims = await verifyDevToken(/access_token=([^&]+)/.exec(location)![1]);
    // Staff get their role's dev subject, whatever ecifId was typed.
    expect(claims).toMatchObject({ sub: 'dev-auditor', 'cognito:groups': ['auditor'] });
    // A state that is not the pages' shape is not passed on (the page then takes no token).
    const odd = (await signIn({ role: 'auditor', return: '/console', state: 'x"><script>' })).headers.get('location')!;
    expect(odd).not.toContain('state=');
  });

  it('a customer signs in as the ecifId typed', async () => {
    const location = (await signIn({ role: 'customer', sub: 'C000007', return: '/consent' })).headers.get('location')!;
    expect(await verifyDevToken(/access_token=([^&]+)/.exec(location)![1])).toMatchObject({
      sub: 'C000007',
      'cognito:groups': ['customer'],
    });
  });

  it('refuses an unknown role or a malformed ecifId with 422 and gives no token', async () => {
    for (const form of [
      { role: 'admin', sub: '' },
      { role: 'customer', sub: 'C0001<script>' },
      { role: 'customer', sub: 'x'.repeat(65) },
    ]) {
      const res = await signIn({ ...form, return: '/' });
      expect(res.status).toBe(422);
      const text = await res.text();
      expect(text).not.toContain('access_token');
      expect(text).not.toContain('<script>');
    }
    const json = await get('/dev/token?role=root');
    expect(json.status).toBe(422);
    expect(await json.json()).toMatchObject({ status: 422 });
  });

  it('only ever returns to a path of this site', () => {
    expect(safeReturnPath('/console?x=1')).toBe('/console?x=1');
    for (const evil of [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      'javascript:alert(1)',
      '',
      undefined,
      '/a b',
    ])
      expect(safeReturnPath(evil)).toBe('/');
  });

  it('/dev/token gives scripts the same token as JSON', async () => {
    const body = (await (await get('/dev/token?role=customer&sub=C000002')).json()) as { token: string };
    expect(body).toMatchObject({ role: 'customer', sub: 'C000002' });
    expect(await verifyDevToken(body.token)).toMatchObject({ sub: 'C000002' });
  });
});
