/**
 * Debian's Chromium driven by playwright-core (never a downloaded browser), axe-core run inside the
 * page, and a screenshot of each page under test/.output/screens/.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const SCREENS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../.output/screens');
const axeSource = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

export interface Browser {
  context(opts?: { locale?: string; headers?: Record<string, string>; gpc?: boolean }): Promise<BrowserContext>;
  close(): Promise<void>;
}

/** A fresh user-data-dir per launch: no state from an earlier run, nothing phoned home. */
export async function launchChromium(): Promise<Browser> {
  const userDataDir = mkdtempSync(path.join(tmpdir(), 'custodian-chromium-'));
  const args = [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ];
  const contexts: BrowserContext[] = [];
  return {
    async context(opts = {}) {
      // One persistent context per user-data-dir: each context gets its own directory.
      const dir = mkdtempSync(path.join(userDataDir, 'ctx-'));
      const ctx = await chromium.launchPersistentContext(dir, {
        executablePath: CHROMIUM,
        args,
        headless: true,
        locale: opts.locale ?? 'en-GB',
        viewport: { width: 1280, height: 900 },
        acceptDownloads: true,
        // axe-core is injected as a script: the pages' CSP (script-src 'self') would refuse it.
        bypassCSP: true,
        extraHTTPHeaders: opts.headers,
      });
      // A browser with Global Privacy Control on says so in navigator.globalPrivacyControl too.
      if (opts.gpc)
        await ctx.addInitScript({
          content: "Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })",
        });
      ctx.setDefaultTimeout(10_000);
      // What went wrong inside a page shows in the test output.
      ctx.on('weberror', (e) => process.stderr.write(`page error: ${e.error().message}\n`));
      ctx.on('console', (m) => m.type() === 'error' && process.stderr.write(`page console: ${m.text()}\n`));
      contexts.push(ctx);
      return ctx;
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core over the whole page, WCAG 2.0-2.2 A and AA rules: the serious and critical violations. */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.addScriptTag({ path: axeSource });
  // Evaluated in the page (a string: this file is type-checked without the DOM library).
  const violations: AxeViolation[] = await page.evaluate(`axe
    .run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } })
    .then((r) => r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

export const describeViolations = (vs: AxeViolation[]) =>
  vs.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`).join('\n');

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENS, { recursive: true });
  const file = path.join(SCREENS, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
