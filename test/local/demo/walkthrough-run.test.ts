/**
 * The walkthrough `npm start` prints works by copy-paste: the very text, run by bash against a live
 * runtime and demo, erases a customer after verification by code, downloads an access report, shows
 * the queue, and the auditor's verify says ok.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { startDemoWarehouse } from '#infra/local/demo/warehouse.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { roles } from '#handlers/http/routes.ts';

let runtime: LocalRuntime;
let demo: Demo;
beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 8, seed: 42, warehouse: startDemoWarehouse() });
  // With the embedded warehouse starting alongside: more than the other suites' 120 s on a loaded machine.
}, 240_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

describe('the printed walkthrough', () => {
  it('runs step by step in bash and shows what it says', async () => {
    const tokens = Object.fromEntries(
      await Promise.all(
        roles.map(async (role) => [
          role,
          await signDevToken({ role, ...(role === 'customer' ? { sub: 'C000001' } : {}) }),
        ]),
      ),
    );
    const script = `set -euo pipefail\n${demo.walkthrough(tokens).split('\n').slice(1).join('\n')}`;
    const { stdout } = await promisify(execFile)('bash', ['-c', script], {
      timeout: 60_000,
      maxBuffer: 8 * 1024 * 1024,
    });
    const erasure = demo.customers[1];
    if (process.env.SHOW_WALKTHROUGH) console.log(stdout);
    // Step 8: the erasure, verified by code, completed in both systems.
    expect(stdout).toMatch(/"outcome":\{"result":"erased"/);
    // Step 10: the access report as CSV.
    expect(stdout).toContain('section,system,field,category,value');
    expect(stdout).toContain(`subject,ecif,email,contact,${demo.customers[0].email}`);
    // Step 9: the CRM contact no longer holds the erased customer's email.
    // (The warehouse's row before erasure, step 5b, holds it too: checked below.)
    expect(
      stdout
        .split('\n')
        .filter((l) => !l.startsWith('{"customer_key"'))
        .join('\n'),
    ).not.toContain(`"email":"${erasure.crm!.email}"`);
    // Steps 5b and 9b: the warehouse row before (in clear) and after (erased per its strategies).
    const row = erasure.warehouse!;
    const rows = stdout
      .split('\n')
      .filter((l) => l.startsWith(`{"customer_key":"${row.customer_key}"`))
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ full_name: row.full_name, email: row.email, date_of_birth: row.date_of_birth });
    expect(rows[1]).toMatchObject({
      full_name: '[REDACTED]',
      email: expect.stringMatching(/^hmac:/),
      date_of_birth: row.date_of_birth.slice(0, 4),
      segment: null,
    });
    // Steps 5c and 9c: the marketing platform's profile before, then erased once its callback came
    // (the CRM contact and the profile both print as redacted after).
    const profile = erasure.marketing!;
    expect(stdout.split(`"contactId": "${profile.contactId}"`)).toHaveLength(3);
    expect(stdout).toContain(`"lastName": "${profile.lastName}"`);
    expect(stdout.split('"lastName": "[REDACTED]"').length - 1).toBeGreaterThanOrEqual(2);
    // Step 13: the auditor's verify.
    expect(stdout).toMatch(/"ok":true/);
  }, 90_000);
});
