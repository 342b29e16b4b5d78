/**
 * The web pages in a real browser (Debian's Chromium through playwright-core) against the local
 * runtime with the demo: a requester erases its data without an account, a customer changes a
 * consent and the CRM's answer changes, an operator extends a request, an auditor verifies and
 * exports the log. Every page is checked with axe-core and photographed (test/.output/screens/).
 */
import { readFileSync } from 'node:fs';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { verifyChain, type AuditEvent } from '#core/audit/event.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { describeViolations, launchChromium, screenshot, seriousViolations, type Browser } from '../support/browser.ts';
import { codeFromMailbox } from '../support/requester.ts';

let runtime: LocalRuntime;
let demo: Demo;
let browser: Browser;
let crmToken: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 12, seed: 42 });
  browser = await launchChromium();
  crmToken = await signDevToken({ role: 'crm' });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await demo?.stop();
  await runtime?.stop();
});

/** No serious or critical axe finding on the page as it stands, and a screenshot of it. */
async function checkPage(page: Page, name: string) {
  await screenshot(page, name);
  const violations = await seriousViolations(page);
  expect(describeViolations(violations)).toBe('');
}

/**
 * As a person would: from the page, its sign-in link (which carries the tab's `state`), the local
 * sign-in page (pick the role and the customer), and back to the page, signed in.
 */
async function signIn(page: Page, role: string, returnTo: string, sub?: string) {
  await page.goto(`${runtime.apiUrl}${returnTo}`);
  const link = returnTo.startsWith('/console')
    ? page.getByRole('link', { name: `Sign in as an ${role}` })
    : page.locator('header a[href*="/dev/sign-in"]');
  await link.click();
  await page.waitForURL(/\/dev\/sign-in/);
  if (role === 'operator') await checkPage(page, 'local-sign-in');
  expect(await page.getByLabel('Role', { exact: true }).inputValue()).toBe(role);
  if (sub) await page.getByLabel(/Customer ecifId/).fill(sub);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL((u) => u.pathname === returnTo.split('?')[0] && !u.hash);
}

async function crmDecision(ecifId: string, purpose: string, channel: string) {
  const res = await fetch(`${runtime.apiUrl}/v1/consent-decisions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${crmToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ecifId, purpose, channel }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { decision: string; reason: string };
}

/** The page answers in its own time (a machine shared with other test files): look again for up to 10 s. */
const poll = <T>(read: () => Promise<T> | T, timeout = 10_000) => expect.poll(read, { timeout, interval: 100 });

let erasedRequestId: string;

/** An anonymous request awaiting its code, its deadline moved by `dueInMs` from now (as if received long ago). */
async function anonymousRequest(email: string, dueInMs: number): Promise<string> {
  const res = await fetch(`${runtime.apiUrl}/v1/privacy-requests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } }),
  });
  const { id } = (await res.json()) as { id: string };
  const due = new Date(Date.now() + dueInMs).toISOString();
  await runtime.dynamo.client.send(
    new UpdateItemCommand({
      TableName: runtime.tables.requests,
      Key: { PK: { S: `REQ#${id}` }, SK: { S: 'META' } },
      UpdateExpression: 'SET dueAt = :due, GSI1SK = :sk',
      ExpressionAttributeValues: { ':due': { S: due }, ':sk': { S: `${due}#${id}` } },
    }),
  );
  return id;
}

describe('the privacy center, not signed in', () => {
  let ctx: BrowserContext;
  beforeAll(async () => {
    ctx = await browser.context({ locale: 'en-GB' });
  });

  it('offers every right in plain words, and passes axe', async () => {
    const page = await ctx.newPage();
    await page.goto(`${runtime.apiUrl}/`);
    await poll(() => page.locator('h1').textContent()).toBe('Your privacy');
    for (const words of [
      'Get a copy of my data',
      'Delete my data',
      'Correct my data',
      'Do not sell or share my data',
    ]) {
      await expect(page.getByRole('link', { name: new RegExp(words) }).count()).resolves.toBe(1);
    }
    await checkPage(page, 'privacy-center-home');
    // The check itself catches what it should: an unlabeled field and grey-on-white text.
    await page.evaluate(
      `document.querySelector('main').insertAdjacentHTML('beforeend', '<input id="bad"><p style="color:#bbb">faint</p>')`,
    );
    expect((await seriousViolations(page)).map((v) => v.id).sort()).toEqual(['color-contrast', 'label']);
    await page.close();
  });

  it('works from the keyboard: skip link first, then the header, the rights in order', async () => {
    const page = await ctx.newPage();
    await page.goto(`${runtime.apiUrl}/`);
    await page.locator('h1').waitFor();
    const focused = () => page.evaluate(`document.activeElement?.textContent?.trim() || document.activeElement?.id`);
    await page.keyboard.press('Tab');
    expect(await focused()).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await poll(() => page.evaluate('location.hash')).toBe('#main');
    await page.goto(`${runtime.apiUrl}/request?type=erasure`);
    await page.locator('h1').waitFor();
    const order: string[] = [];
    for (let i = 0; i < 9; i++) {
      await page.keyboard.press('Tab');
      order.push(
        String(
          await page.evaluate(
            `(document.activeElement?.id || document.activeElement?.getAttribute('name') || document.activeElement?.textContent || '').trim()`,
          ),
        ),
      );
    }
    // Skip link, brand, language, sign in, then the form top to bottom.
    expect(order.slice(4)).toEqual(['jurisdiction', 'email', 'phone', 'Send the request', order[8]]);
    await page.close();
  });

  it('submits an erasure with an email, takes the code from the mailbox, and follows it to completed with what was kept', async () => {
    const subject = demo.customers.find((c) => c.crm && c.coreBanking && c.ecifId !== 'C000001')!;
    const page = await ctx.newPage();
    await page.goto(`${runtime.apiUrl}/`);
    await page.getByRole('link', { name: /Delete my data/ }).click();
    await poll(() => page.locator('h1').textContent()).toBe('Your request: Delete my data');
    // Focus moved to the new view's heading: a screen reader hears the page change.
    await poll(() => page.evaluate('document.activeElement?.tagName')).toBe('H1');
    await checkPage(page, 'privacy-center-request-form');

    await page.getByLabel('Email').fill(subject.email);
    await page.getByRole('button', { name: 'Send the request' }).click();
    await page.waitForURL(/\/requests\/[0-9A-Z]{26}$/);
    erasedRequestId = page.url().split('/').pop()!;
    await poll(() => page.locator('#request-status').textContent()).toBe('Waiting for your code');

    // A wrong code is refused, and said so.
    await page.getByLabel('Code').fill('12345');
    await page.getByRole('button', { name: 'Confirm' }).click();
    await poll(() => page.getByRole('alert').textContent()).toContain('6 digits');

    const code = await codeFromMailbox(runtime.apiUrl, subject.email, erasedRequestId);
    expect(code).toMatch(/^\d{6}$/);
    await page.getByLabel('Code').fill(code!);
    await page.getByRole('button', { name: 'Confirm' }).click();
    await poll(() => page.locator('#request-status').textContent(), 30_000).toBe('Completed');
    // The CRM, core banking and, for a newsletter subscriber, the marketing platform (it answered by callback).
    await poll(() => page.locator('#systems + table tbody tr').count()).toBe(subject.marketing ? 3 : 2);
    const systems = await page.locator('#systems + table').textContent();
    expect(systems).toContain('crm');
    expect(systems).toContain('core-banking');
    expect(systems?.includes('marketing')).toBe(Boolean(subject.marketing));
    expect(systems).toContain('Done');
    // The exemption is explained: what is kept, why, until when.
    const kept = await page.locator('#kept ~ table').textContent();
    expect(kept).toContain('accountNumber');
    expect(await page.locator('#answer + p').textContent()).toMatch(/deleted or anonymized/);
    await checkPage(page, 'privacy-center-request');

    // And it really happened: the CRM no longer holds the email.
    expect(JSON.stringify(demo.crm.store.get(subject.crm!.contactId) ?? {})).not.toContain(subject.crm!.email);
    await page.close();
  });

  it('speaks Simplified Chinese to a browser that prefers it, with a switch back to English', async () => {
    const zh = await browser.context({ locale: 'zh-CN' });
    const page = await zh.newPage();
    await page.goto(`${runtime.apiUrl}/`);
    await poll(() => page.locator('h1').textContent()).toBe('您的隐私');
    expect(await page.evaluate('document.documentElement.lang')).toBe('zh-CN');
    await checkPage(page, 'privacy-center-home-zh');
    await page.getByLabel('语言').selectOption('en');
    await poll(() => page.locator('h1').textContent()).toBe('Your privacy');
    await poll(() => page.evaluate('document.documentElement.lang')).toBe('en');
    await page.close();
  });
});

describe('the privacy center, signed in', () => {
  it('a customer asks for its data in Simplified Chinese, verified by the login, sees dates in its locale and downloads the report', async () => {
    const ctx = await browser.context({ locale: 'zh-CN' });
    const page = await ctx.newPage();
    await signIn(page, 'customer', '/request?type=access', 'C000001');
    await poll(() => page.locator('h1').textContent()).toBe('您的请求：获取我的数据副本');
    expect(await page.getByText('您已登录，我们知道是您本人：无需验证码。').count()).toBe(1);
    await page.getByLabel('电子邮箱').fill(demo.customers[0].email);
    await page.getByRole('button', { name: '提交请求' }).click();
    await page.waitForURL(/\/requests\/[0-9A-Z]{26}$/);
    await poll(() => page.locator('#request-status').textContent(), 30_000).toBe('已完成');
    // The date in the reader's locale: 2026年12月1日 ...
    expect(await page.locator('dl.facts').textContent()).toMatch(/\d{4}年\d{1,2}月\d{1,2}日/);
    await page.getByRole('button', { name: '下载（CSV）' }).click();
    const link = page.getByRole('link', { name: '下载（CSV）' });
    await link.waitFor();
    const report = await fetch((await link.getAttribute('href'))!);
    expect(report.status).toBe(200);
    expect(await report.text()).toContain(demo.customers[0].email);
    await checkPage(page, 'privacy-center-report');
    await ctx.close();
  });

  it('a consent switch saves at once and the CRM decision follows it, both ways', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, 'customer', '/consent', 'C000001');
    await poll(() => page.locator('h1').textContent()).toBe('Your consent');
    expect(await page.getByText('Signed in as customer C000001').count()).toBe(1);
    // Every purpose with the channels the catalog gives it (no "analytics by SMS"), each with its notice.
    const catalog = (await (await fetch(`${runtime.apiUrl}/v1/consent/catalog`)).json()) as {
      purposes: { channels: string[] }[];
    };
    const offered = catalog.purposes.reduce((n, p) => n + p.channels.length, 0);
    expect(offered).toBe(6 + 5);
    await poll(() => page.locator('input[role=switch]').count()).toBe(offered);
    expect(await page.getByRole('switch', { name: 'Analytics by SMS', exact: true }).count()).toBe(0);
    expect(await page.getByText(/Notice marketing-notice, version 3/).count()).toBe(1);

    expect(await crmDecision('C000001', 'marketing', 'sms')).toMatchObject({ decision: 'deny' });
    const toggle = page.getByRole('switch', { name: 'Marketing by SMS', exact: true });
    expect(await toggle.isChecked()).toBe(false);
    await toggle.check();
    await poll(() => page.locator('#consent-saved').textContent()).toContain('Marketing by SMS is now on');
    expect(await crmDecision('C000001', 'marketing', 'sms')).toMatchObject({ decision: 'allow' });
    await checkPage(page, 'privacy-center-consent');

    // Withdrawal: the same one action, here from the keyboard.
    await toggle.focus();
    await page.keyboard.press('Space');
    await poll(() => page.locator('#consent-saved').textContent()).toContain('Marketing by SMS is now off');
    expect(await crmDecision('C000001', 'marketing', 'sms')).toMatchObject({ decision: 'deny' });
    await ctx.close();
  });

  it("takes no token from a link it did not ask for (someone else's sign-in handed over in a URL)", async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    const token = await signDevToken({ role: 'customer', sub: 'C000002' });
    await page.goto(`${runtime.apiUrl}/consent#access_token=${token}&token_type=Bearer&state=guessed`);
    await poll(() => page.locator('h1').textContent()).toBe('Your consent');
    expect(await page.getByText(/Signed in as/).count()).toBe(0);
    expect(await page.evaluate('location.hash')).toBe('');
    await ctx.close();
  });

  it('says when a Global Privacy Control signal was honoured', async () => {
    const ctx = await browser.context({ headers: { 'Sec-GPC': '1' }, gpc: true });
    const page = await ctx.newPage();
    await signIn(page, 'customer', '/consent', 'C000003');
    await poll(() => page.getByText(/Your browser sends a Global Privacy Control signal/).count()).toBe(1);
    await page.getByRole('switch', { name: 'Analytics by Any channel', exact: true }).check();
    await poll(() => page.locator('#gpc-honored').count()).toBe(1);
    expect(await crmDecision('C000003', 'sale', 'any')).toMatchObject({ decision: 'deny', reason: 'opted_out_sale' });
    await ctx.close();
  });
});

describe('the console', () => {
  it('an operator finds a request in the queue and extends it once; the API refuses what breaks the rules', async () => {
    // An open request: an anonymous access request awaiting its code.
    const subject = demo.customers[4];
    const submitted = await fetch(`${runtime.apiUrl}/v1/privacy-requests`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ type: 'access', jurisdiction: 'CCPA', identifiers: { email: subject.email } }),
    });
    const { id, dueAt } = (await submitted.json()) as { id: string; dueAt: string };
    // Two more, their deadlines moved in the table: one passed, one three days away.
    const late = await anonymousRequest(demo.customers[5].email, -86_400_000);
    const soon = await anonymousRequest(demo.customers[6].email, 3 * 86_400_000);

    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, 'operator', '/console');
    await poll(() => page.locator('h1').textContent()).toBe('Requests');
    await poll(() => page.locator(`tr[data-request="${id}"]`).count())
      .toBe(1)
      .catch(async (e) => {
        throw new Error(`${e.message}\n${await page.locator('main').textContent()}`);
      });
    expect(await page.locator('[data-status="pending_verification"]').textContent()).toMatch(
      /pending verification: \d+/,
    );
    // Overdue and due soon: marked in words (and colour), counted.
    expect(await page.locator(`tr[data-request="${late}"]`).getAttribute('class')).toBe('overdue');
    expect(await page.locator(`tr[data-request="${late}"]`).textContent()).toContain('Overdue');
    expect(await page.locator(`tr[data-request="${soon}"]`).getAttribute('class')).toBe('due-soon');
    expect(await page.locator(`tr[data-request="${soon}"]`).textContent()).toMatch(/Due soon\s+3 days left/);
    expect(await page.locator(`tr[data-request="${id}"]`).getAttribute('class')).toBe('');
    // Who the request is about and who asked (never their identifiers); one deadline column, not Due and Deadline.
    expect(await page.locator('main table thead th').allTextContents()).toEqual([
      'Request',
      'Right',
      'Law',
      'Subject',
      'Requester',
      'Status',
      'Received',
      'Deadline',
    ]);
    expect(await page.locator(`tr[data-request="${late}"] td`).nth(4).textContent()).toMatch(/^api, /);
    expect(Number(await page.locator('[data-count="overdue"]').textContent())).toBeGreaterThanOrEqual(1);
    await page.getByLabel('Overdue only').check();
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => page.locator(`tr[data-request="${soon}"]`).count()).toBe(0);
    expect(await page.locator(`tr[data-request="${late}"]`).count()).toBe(1);
    await page.getByLabel('Overdue only').uncheck();
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => page.locator(`tr[data-request="${id}"]`).count()).toBe(1);
    await checkPage(page, 'console-queue');

    await page.getByRole('link', { name: id }).click();
    await poll(() => page.locator('h1').textContent()).toBe(`Request ${id}`);
    // Too short a reason: the API's 422 is shown, nothing changes.
    await page.getByLabel(/^Reason \(told to the requester/).fill('busy');
    await page.getByRole('button', { name: 'Extend' }).click();
    await poll(() => page.locator('#action-error').textContent()).toMatch(/422/);
    await page
      .getByLabel(/^Reason \(told to the requester/)
      .fill('We need to collect the data from an archived system.');
    await page.getByRole('button', { name: 'Extend' }).click();
    await poll(() => page.getByText('Already extended once.').count()).toBe(1);
    const after: any = await (
      await fetch(`${runtime.apiUrl}/v1/privacy-requests/${id}`, {
        headers: { authorization: `Bearer ${await signDevToken({ role: 'operator' })}` },
      })
    ).json();
    expect(Date.parse(after.extension.extendedDueAt)).toBeGreaterThan(Date.parse(dueAt));
    expect(await page.locator('#request-due').textContent()).toContain('extended from');
    await checkPage(page, 'console-request');

    // A refusal names a reason from the closed list and tells the requester why.
    await page.goto(`${runtime.apiUrl}/console/requests/${late}`);
    await page.getByLabel('Reason', { exact: true }).selectOption('identity_not_verified');
    await page.getByLabel(/^Detail for the requester/).fill('The details given match no customer we could confirm.');
    await page.getByRole('button', { name: 'Refuse' }).click();
    await poll(() => page.locator('#request-status').textContent()).toBe('denied');
    expect(await page.locator('dl.facts').textContent()).toContain(
      'identity not verified: The details given match no customer we could confirm.',
    );
    await ctx.close();
  });

  it('an operator closes a manual system’s task with evidence; the request completes with that attestation as proof', async () => {
    const operator = await signDevToken({ role: 'operator' });
    const steward = await signDevToken({ role: 'steward' });
    const call = (method: string, path: string, token: string, body: unknown) =>
      fetch(`${runtime.apiUrl}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(
      (
        await call('PUT', '/v1/systems/paper-archive', operator, {
          name: 'Branch paper archive',
          connector: { kind: 'manual' },
          capabilities: ['erase'],
          fields: [{ name: 'letters', category: 'other', strategy: 'delete_row' }],
        })
      ).status,
    ).toBeLessThan(300);
    expect(
      (
        await call('PUT', '/v1/ecif/customers/C880001', steward, {
          name: { given: 'Sam', family: 'Archive' },
          emails: ['sam.archive@example.net'],
          crossReferences: [{ systemId: 'paper-archive', localId: 'BOX-8' }],
        })
      ).status,
    ).toBeLessThan(300);
    const customer = await signDevToken({ role: 'customer', sub: 'C880001' });
    const { id } = (await (
      await call('POST', '/v1/privacy-requests', customer, {
        type: 'erasure',
        jurisdiction: 'GDPR',
        identifiers: { email: 'sam.archive@example.net' },
      })
    ).json()) as { id: string };

    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, 'operator', '/console');
    await page.goto(`${runtime.apiUrl}/console/requests/${id}`);
    await poll(async () => (await page.reload(), page.locator('form[data-manual="paper-archive"]').count())).toBe(1);
    await checkPage(page, 'console-manual-task');
    await page.getByLabel(/^Evidence reference/).fill('SHRED-2026-204');
    await page.getByLabel('Records affected').fill('3');
    await page.getByRole('button', { name: 'Close the task' }).click();
    expect(await page.locator('#manual-error').count()).toBe(0);
    await poll(async () => (await page.reload(), page.locator('#request-status').textContent())).toBe('completed');
    expect(await page.locator('tr[data-system="paper-archive"]').textContent()).toContain('operator-attested');
    await ctx.close();
  });

  it('an auditor searches the log, verifies it with one click, exports it, and looks up consents and systems', async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, 'auditor', '/console/audit');
    await poll(() => page.locator('h1').textContent()).toBe('Audit');
    await page.getByLabel('Request id').fill(erasedRequestId);
    await page.getByRole('button', { name: 'Search' }).click();
    await poll(() => page.locator('main table tbody tr').count()).toBeGreaterThan(3);
    expect(await page.locator('main table').textContent()).toContain('request.finalized');

    // Verify's scope is said: the time range, whatever the request filter narrows the table to.
    expect(await page.locator('#verify-scope').textContent()).toContain('narrow only the table');
    await page.getByRole('button', { name: 'Verify the time range' }).click();
    await poll(() => page.locator('#verify-result').textContent()).toMatch(
      /^Verified: \d+ events.*not only the events shown/,
    );
    await checkPage(page, 'console-audit');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export NDJSON' }).click(),
    ]);
    const lines = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\n');
    const events = lines.map((l) => JSON.parse(l) as AuditEvent);
    const trail = events.filter((e) => e.stream === `request:${erasedRequestId}`);
    expect(trail.length).toBeGreaterThan(3);
    expect(verifyChain(trail.sort((a, b) => a.seq - b.seq))).toBeUndefined();

    await page.getByRole('link', { name: 'Consent lookup' }).click();
    await page.getByLabel('Customer (ecifId)').fill('C000001');
    await page.getByLabel(/^As of/).fill(new Date(Date.now() + 60_000).toISOString().slice(0, 16));
    await page.getByRole('button', { name: 'Look up' }).click();
    await poll(() => page.locator('#consent-table').textContent()).toContain('withdrawn');
    expect(await page.locator('#consent-table').textContent()).toMatch(/method web/);
    await checkPage(page, 'console-consents');

    await page.getByRole('link', { name: 'Connected systems' }).click();
    await poll(() => page.locator('tr[data-system="crm"]').textContent()).toContain('succeeded');
    await checkPage(page, 'console-systems');
    await ctx.close();
  });
});

describe('the dashboard', () => {
  it("draws the API's figures as charts, each with a table for screen readers and a CSV download", async () => {
    const ctx = await browser.context();
    const page = await ctx.newPage();
    await signIn(page, 'operator', '/console/dashboard');
    await page.locator('figure[data-chart]').nth(2).waitFor();
    expect(await page.locator('figure[data-chart] canvas[role="img"]').count()).toBe(3);
    // The same period the page asks for: the last 90 days, through tomorrow.
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
    const res = await fetch(`${runtime.apiUrl}/v1/metrics?from=${from}&to=${to}`, {
      headers: { authorization: `Bearer ${await signDevToken({ role: 'operator' })}` },
    });
    const metrics = (await res.json()) as {
      received: { total: number };
      now: { openByStatus: Record<string, number> };
    };
    expect(await page.locator('[data-summary]').textContent()).toContain(`${metrics.received.total} requests received`);
    const cells = await page.locator('figure[data-chart="received"] table td').allTextContents();
    expect(cells.reduce((n, c) => n + Number(c), 0)).toBe(metrics.received.total);
    const open = await page.locator('figure[data-chart="open"] table td').allTextContents();
    expect(open.map(Number)).toEqual(Object.values(metrics.now.openByStatus));

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download “Open requests by status, now” as CSV' }).click(),
    ]);
    const csv = readFileSync((await download.path())!, 'utf8')
      .trim()
      .split('\r\n');
    expect(csv[0]).toBe('"","requests"');
    expect(csv.slice(1)).toEqual(
      Object.entries(metrics.now.openByStatus).map(([s, n]) => `"${s.replace(/_/g, ' ')}","${n}"`),
    );
    await checkPage(page, 'console-dashboard');
    await ctx.close();
  });
});
