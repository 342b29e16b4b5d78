/**
 * The operators' CLI and the typed client against the running local runtime: what an operator
 * types, what it prints, what its exit code means. The CLI runs as a real process.
 */
import { execFile } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError, createClient } from '#client/client.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { codeFromMailbox } from '../support/requester.ts';

const run = promisify(execFile);
const bin = new URL('../../bin/custodian.mjs', import.meta.url).pathname;
let runtime: LocalRuntime;
let demo: Demo;
let dir: string;

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 4, seed: 3 });
  dir = mkdtempSync(path.join(tmpdir(), 'custodian-cli-'));
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

async function cli(args: string[], role?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = {
    ...process.env,
    CUSTODIAN_URL: runtime.apiUrl,
    CUSTODIAN_TOKEN: role ? await signDevToken({ role: role as never }) : '',
  };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { env, timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('custodian CLI', () => {
  it('health --json prints the API answer', async () => {
    const r = await cli(['health', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ status: 'ok' });
  });

  it('systems list prints a table of the registry', async () => {
    const r = await cli(['systems', 'list'], 'operator');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(/^systemId\s+name\s+connector\s+capabilities/);
    expect(r.stdout).toContain('core-banking');
  });

  it('systems rotate-key prints a new issued key once; a system with a key of its own reference is refused', async () => {
    const client = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'operator' }) });
    const body = {
      name: 'Rotating',
      connector: { kind: 'http' as const, url: demo.crm.url },
      capabilities: ['erase' as const],
    };
    const { signingSecret } = (await client.putSystem('cli-rotate', body)) as { signingSecret: string };
    const r = await cli(['systems', 'rotate-key', 'cli-rotate', '--json'], 'operator');
    expect(r.code).toBe(0);
    const rotated = JSON.parse(r.stdout) as { systemId: string; signingSecret: string };
    expect(rotated).toMatchObject({ systemId: 'cli-rotate', signingSecret: expect.stringMatching(/^[0-9a-f]{64}$/) });
    expect(rotated.signingSecret).not.toBe(signingSecret);
    await client.putSystem('cli-own-ref', { ...body, connector: { ...body.connector, secretRef: 'vendor_q' } });
    expect((await cli(['systems', 'rotate-key', 'cli-own-ref'], 'operator')).code).not.toBe(0);
  });

  it('ecif resolve finds a customer by email or by a system’s local id, and says 1 for no one', async () => {
    const c = demo.customers[0];
    const byEmail = await cli(['ecif', 'resolve', '--email', c.email.toUpperCase()], 'operator');
    expect(byEmail.code).toBe(0);
    expect(byEmail.stdout).toContain(`ecifId: ${c.ecifId}`);
    expect(byEmail.stdout).toMatch(/systemId\s+localId/);
    const byCrmId = await cli(
      ['ecif', 'resolve', '--system', 'crm', '--local-id', c.crm!.contactId, '--json'],
      'steward',
    );
    expect(JSON.parse(byCrmId.stdout).ecifId).toBe(c.ecifId);
    expect((await cli(['ecif', 'resolve', '--email', 'nobody@example.invalid'], 'operator')).code).toBe(1);
  });

  it('requests complete closes a manual system’s task with evidence; the request completes', async () => {
    const client = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'operator' }) });
    await client.putSystem('paper-archive', {
      name: 'Paper archive',
      connector: { kind: 'manual' },
      capabilities: ['erase'],
      fields: [{ name: 'letters', category: 'other', strategy: 'delete_row' }],
    });
    const steward = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'steward' }) });
    await steward.putCustomer('C777001', {
      name: { given: 'Pat', family: 'Archive' },
      emails: ['pat.archive@example.net'],
      crossReferences: [{ systemId: 'paper-archive', localId: 'BOX-1' }],
    });
    const customer = createClient({
      baseUrl: runtime.apiUrl,
      token: await signDevToken({ role: 'customer', sub: 'C777001' }),
    });
    const { id } = (await customer.submitRequest({
      type: 'erasure',
      jurisdiction: 'GDPR',
      identifiers: { email: 'pat.archive@example.net' },
    })) as { id: string };
    let waiting = false;
    for (let i = 0; i < 100 && !waiting; i++) {
      waiting =
        ((await client.request(id)) as { systems?: { state: string }[] }).systems?.some((s) => s.state === 'waiting') ??
        false;
      if (!waiting) await new Promise((r) => setTimeout(r, 50));
    }
    expect(waiting).toBe(true);
    const r = await cli(
      ['requests', 'complete', id, 'paper-archive', '--evidence', 'SHRED-77', '--records', '1'],
      'operator',
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('succeeded');
    let status = '';
    for (let i = 0; i < 100 && status !== 'completed'; i++) {
      status = ((await client.request(id)) as { status: string }).status;
      if (status !== 'completed') await new Promise((res) => setTimeout(res, 50));
    }
    expect(status).toBe('completed');
  });

  it('hold place, show and release: a legal hold on a subject, operator only to place it', async () => {
    const c = demo.customers[3];
    expect(
      (
        await cli(
          [
            'hold',
            'place',
            c.ecifId,
            '--reference',
            'LIT-2026-077',
            '--reason',
            'Pending litigation over a mortgage file',
          ],
          'auditor',
        )
      ).code,
    ).toBe(1);
    const placed = await cli(
      [
        'hold',
        'place',
        c.ecifId,
        '--reference',
        'LIT-2026-077',
        '--reason',
        'Pending litigation over a mortgage file',
        '--json',
      ],
      'operator',
    );
    expect(placed.code, placed.stderr).toBe(0);
    expect(JSON.parse(placed.stdout)).toMatchObject({ ecifId: c.ecifId, reference: 'LIT-2026-077' });
    const shown = await cli(['hold', 'show', c.ecifId, '--json'], 'auditor');
    expect(JSON.parse(shown.stdout)).toMatchObject({ reference: 'LIT-2026-077' });
    const released = await cli(['hold', 'release', c.ecifId, '--json'], 'operator');
    expect(JSON.parse(released.stdout)).toMatchObject({ released: true, reference: 'LIT-2026-077' });
    expect((await cli(['hold', 'show', c.ecifId], 'operator')).code).toBe(1);
  });

  it('ecif import (NDJSON and CSV) loads the good records, reports the rejects by line, exits 4', async () => {
    const ndjson = path.join(dir, 'load.ndjson');
    writeFileSync(
      ndjson,
      [
        JSON.stringify({
          ecifId: 'IMP001',
          name: { given: 'Ida', family: 'Import' },
          emails: ['ida.import@example.com'],
        }),
        '{not json',
        JSON.stringify({
          ecifId: 'IMP002',
          name: { given: 'Ivo', family: 'Import' },
          emails: ['ivo.import@example.com'],
          shoeSize: 44,
        }),
        JSON.stringify({ name: { given: 'No', family: 'Id' } }),
      ].join('\n'),
    );
    const r = await cli(['ecif', 'import', ndjson, '--json'], 'steward');
    expect(r.code).toBe(4);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ records: 4, created: 1, rejected: 3 });
    expect(summary.rejects.map((x: { line: number }) => x.line).sort()).toEqual([2, 3, 4]);
    expect(JSON.stringify(summary.rejects)).not.toContain('ivo.import@example.com');

    const csv = path.join(dir, 'load.csv');
    writeFileSync(
      csv,
      'ecifId,givenName,familyName,email,phone,birthDate,crossReferences\nIMP003,"Ada, Jr.",Import,ada.import@example.com,,1990-01-02,crm:CRM-IMP3\n',
    );
    const again = await cli(['ecif', 'import', csv, '--json'], 'steward');
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ records: 1, created: 1, rejected: 0 });
  });

  it('exit codes mean something: 1 when the API refuses, 2 on usage, 3 when unreachable', async () => {
    expect((await cli(['systems', 'list'], 'crm')).code).toBe(1);
    expect((await cli(['requests', 'show'], 'operator')).code).toBe(2);
    const down = await run(process.execPath, [bin, 'health', '--url', 'http://127.0.0.1:9'], {
      env: process.env,
    }).catch((e) => e);
    expect(down.code).toBe(3);
  });

  it('requests submit then show: the erasure runs to completion', async () => {
    const subject = demo.customers[1];
    const submitted = await cli([
      'requests',
      'submit',
      '--type',
      'erasure',
      '--jurisdiction',
      'GDPR',
      '--email',
      subject.email,
      '--json',
    ]);
    expect(submitted.code).toBe(0);
    const { id, requesterKey } = JSON.parse(submitted.stdout);
    // The requester follows it with its key, types the code the contact on file received.
    expect((await cli(['requests', 'show', id, '--key', requesterKey])).stdout).toMatch(
      /^status\s+pending_verification$/m,
    );
    const code = await codeFromMailbox(runtime.apiUrl, subject.email, id);
    expect((await cli(['requests', 'verify', id, code!])).code).toBe(0);
    await runtime.sfn.waitForExecution(
      `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}`,
    );
    const shown = await cli(['requests', 'show', id], 'operator');
    expect(shown.stdout).toMatch(/^status\s+completed$/m);
    expect(shown.stdout).toMatch(/crm\s+erase\s+succeeded/);
  });

  it('requests list, extend and deny: the queue and the operator actions with their rules', async () => {
    const subject = demo.customers[2];
    const submitted = await cli([
      'requests',
      'submit',
      '--type',
      'access',
      '--jurisdiction',
      'CCPA',
      '--email',
      subject.email,
      '--json',
    ]);
    const { id } = JSON.parse(submitted.stdout);
    const listed = await cli(['requests', 'list', '--status', 'pending_verification'], 'operator');
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`${id}\\s+access\\s+CCPA\\s+pending_verification`));
    const extended = await cli(
      ['requests', 'extend', id, '--reason', 'Archived statements must be retrieved.', '--json'],
      'operator',
    );
    expect(JSON.parse(extended.stdout).extension.extendedDueAt).toBeDefined();
    const twice = await cli(
      ['requests', 'extend', id, '--reason', 'Archived statements must be retrieved.'],
      'operator',
    );
    expect(twice.code).toBe(1);
    expect(twice.stderr).toMatch(/extended once already/);
    const denied = await cli(
      [
        'requests',
        'deny',
        id,
        '--reason',
        'identity_not_verified',
        '--detail',
        'The requester could not be verified.',
        '--json',
      ],
      'operator',
    );
    expect(JSON.parse(denied.stdout).status).toBe('denied');
  });
});

describe('custodian consent', () => {
  it('show prints the current state and, with --as-of, the state at an instant', async () => {
    const before = new Date().toISOString();
    const crm = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'crm' }) });
    await crm.captureConsent({
      ecifId: 'C000001',
      choices: [{ purpose: 'analytics', channel: 'any', state: 'granted' }],
      jurisdiction: 'GDPR',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'crm',
      evidence: { reference: 'cli-test' },
    });
    const now = await cli(['consent', 'show', 'C000001'], 'auditor');
    expect(now.code).toBe(0);
    expect(now.stdout).toMatch(/analytics\s+any\s+granted/);
    const earlier = await cli(['consent', 'show', 'C000001', '--as-of', before, '--json'], 'auditor');
    expect(
      JSON.parse(earlier.stdout).consents.find((c: { purpose: string }) => c.purpose === 'analytics'),
    ).toBeUndefined();
  });
});

describe('custodian consent batch and receipt', () => {
  it('batch reads a list of ecifIds and CRM ids and prints who may be contacted; receipt prints a receipt', async () => {
    const crm = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'crm' }) });
    const captured = (await crm.captureConsent({
      ecifId: 'C000004',
      choices: [{ purpose: 'profiling', channel: 'email', state: 'granted' }],
      jurisdiction: 'GDPR',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'crm',
      evidence: { reference: 'cli-batch' },
    })) as { receiptId: string };
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const file = `${mkdtempSync('/tmp/custodian-batch-')}/list.txt`;
    writeFileSync(file, 'C000001\nC000004\ncrm,CRM-NOPE\n');
    const out = await cli(['consent', 'batch', 'profiling', 'email', file], 'crm');
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/C000004\s+granted/);
    expect(out.stdout).not.toMatch(/C000001/);
    expect(out.stderr).toMatch(/1 of 3 may be contacted/);
    const receipt = await cli(['consent', 'receipt', captured.receiptId, '--json'], 'auditor');
    expect(JSON.parse(receipt.stdout)).toMatchObject({ version: 'KI-CR-v1.1.0', piiPrincipalId: 'C000004' });
  });
});

describe('custodian audit', () => {
  it('export writes the streamed NDJSON to the file, trailer included, that the offline verifier accepts complete; verify says ok', async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const out = path.join(dir, 'audit.ndjson');
    const exported = await cli(['audit', 'export', '--from', from, '--out', out], 'auditor');
    expect(exported.code).toBe(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    expect(exported.stderr).toContain(`${lines.length - 1} events exported`);
    expect(await verifyExport(lines)).toMatchObject({ ok: true, complete: true, events: lines.length - 1 });
    const csv = await cli(['audit', 'export', '--from', from, '--csv'], 'auditor');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n')[0]).toBe('stream,seq,at,actor,action,target,details,prevHash,hash');
    const refused = await cli(['audit', 'export', '--from', 'yesterday'], 'auditor');
    expect(refused.code).toBe(1);

    // An export that stops without its trailer (a stream cut at a line boundary, which HTTP alone
    // does not reveal) is refused: exit 3, and the file is named incomplete.
    const whole = readFileSync(out, 'utf8').split('\n');
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/x-ndjson' });
      res.end(`${whole.slice(0, 3).join('\n')}\n`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    try {
      const cut = await cli(
        [
          'audit',
          'export',
          '--from',
          from,
          '--out',
          path.join(dir, 'cut.ndjson'),
          '--export-url',
          `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/`,
        ],
        'auditor',
      );
      expect(cut.code).toBe(3);
      expect(cut.stderr).toContain('cut short');
    } finally {
      server.close();
    }
    const verified = await cli(['audit', 'verify', '--from', from, '--json'], 'auditor');
    expect(JSON.parse(verified.stdout)).toMatchObject({ ok: true });
  });
});

describe('typed client', () => {
  it('retries a 5xx and then succeeds; sends one Idempotency-Key across the retries', async () => {
    const seen: (string | null)[] = [];
    let calls = 0;
    const flaky: typeof fetch = async (input, init) => {
      seen.push(new Headers(init?.headers).get('idempotency-key'));
      if (++calls < 3) return new Response('{}', { status: 503 });
      return fetch(input, init);
    };
    const client = createClient({ baseUrl: runtime.apiUrl, fetch: flaky, backoffMs: 1 });
    const r = await client.submitRequest({
      type: 'erasure',
      jurisdiction: 'CCPA',
      identifiers: { email: 'nobody-client@example.org' },
    });
    expect(r.status).toBe('pending_verification');
    expect(calls).toBe(3);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('throws the problem details as an ApiError', async () => {
    const client = createClient({ baseUrl: runtime.apiUrl, token: await signDevToken({ role: 'crm' }) });
    const err = await client.systems().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({ status: 403, problem: { title: 'Forbidden' } });
  });
});
