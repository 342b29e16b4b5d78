/**
 * The record of processing activities page in Chromium against the local runtime: an auditor signs in,
 * reads the record (the API's figures, the gaps said), downloads the API's CSV, and axe finds nothing
 * serious; printed, the navigation is gone.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { describeViolations, launchChromium, screenshot, seriousViolations, type Browser } from '../support/browser.ts';

let runtime: LocalRuntime;
let browser: Browser;
let auditor: string;

beforeAll(async () => {
  process.env.CONTROLLER_NAME = 'Example Bank plc';
  runtime = await startLocalRuntime({ port: 0 });
  browser = await launchChromium();
  auditor = await signDevToken({ role: 'auditor' });
  const res = await fetch(`${runtime.apiUrl}/v1/systems/ropa-page-crm`, {
    method: 'PUT',
    headers: {
      authorization: `Bearer ${await signDevToken({ role: 'operator' })}`,
      'content-type': 'application/json',
    },
    body: JSON.stringify({
      name: 'Page CRM',
      connector: { kind: 'manual' },
      capabilities: ['erase'],
      fields: [{ name: 'email', category: 'contact', strategy: 'null' }],
      processing: { purposes: ['marketing'], legalBases: ['consent'], retention: 'until consent is withdrawn' },
    }),
  });
  expect(res.status).toBe(201);
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await runtime?.stop();
  delete process.env.CONTROLLER_NAME;
});

describe('the record of processing page', () => {
  it('shows the record an auditor prints, with the CSV to download, and passes axe', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await page.goto(`${runtime.apiUrl}/console/ropa`);
    await page.getByRole('link', { name: 'Sign in as an auditor' }).click();
    await page.waitForURL(/\/dev\/sign-in/);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL((u) => u.pathname === '/console/ropa' && !u.hash);

    const row = page.locator('tr[data-activity="system:ropa-page-crm"]');
    await row.waitFor();
    expect(await row.textContent()).toContain('until consent is withdrawn');
    expect(await page.locator('tr[data-activity="purpose:marketing"]').textContent()).toContain('ropa-page-crm');
    expect(await page.locator('[data-parties]').textContent()).toContain('Example Bank plc');
    expect(await page.locator('[data-parties]').textContent()).toContain('Not configured (DPO_CONTACT)');
    // Purposes no system names say so, in the row itself.
    expect(await page.locator('tr[data-activity="purpose:sale"]').textContent()).toContain('Not yet recorded');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ]);
    const fromApi = await fetch(`${runtime.apiUrl}/v1/reports/ropa?format=csv`, {
      headers: { authorization: `Bearer ${auditor}` },
    });
    expect(readFileSync((await download.path())!, 'utf8')).toBe(await fromApi.text());

    await screenshot(page, 'console-ropa');
    expect(describeViolations(await seriousViolations(page))).toBe('');
    await page.emulateMedia({ media: 'print' });
    expect(await page.locator('header.top').isVisible()).toBe(false);
    expect(await row.isVisible()).toBe(true);
    await ctx.close();
  });
});
