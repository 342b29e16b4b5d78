/**
 * The record of processing activities (GDPR Art. 30) through the HTTP API on the local runtime: systems
 * registered through the API (one with its processing, one without) and the consent catalog give the
 * record; the controller and DPO come from configuration. JSON, CSV (formula-neutralized) and the CLI.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};
const api = contractClient(() => runtime.apiUrl);

const crm = {
  name: 'CRM',
  connector: { kind: 'manual' },
  capabilities: ['access', 'erase'],
  fields: [
    { name: 'email', category: 'contact', strategy: 'null' },
    {
      name: 'iban',
      category: 'financial',
      strategy: 'retain',
      exemption: { basis: 'anti-money-laundering record keeping', citation: 'AMLD Art. 40', years: 5 },
    },
  ],
  processing: {
    purposes: ['marketing', 'account servicing'],
    legalBases: ['contract', 'consent'],
    recipients: ['Mail house (processor)'],
    transfers: [{ to: 'US', safeguard: 'Standard contractual clauses' }],
    retention: '=2 years after the account closes',
  },
};
const ledger = {
  name: 'Ledger',
  connector: { kind: 'manual' },
  capabilities: ['access'],
  fields: [{ name: 'balance', category: 'financial', strategy: 'redact' }],
};

beforeAll(async () => {
  process.env.CONTROLLER_NAME = 'Example Bank plc';
  process.env.CONTROLLER_CONTACT = 'privacy@bank.example';
  process.env.DPO_CONTACT = 'dpo@bank.example';
  runtime = await startLocalRuntime({ port: 0, webPages: false });
  for (const role of ['operator', 'auditor', 'crm', 'steward', 'customer'] as const)
    tokens[role] = await signDevToken({ role, sub: 'C000001' });
  for (const [id, body] of [
    ['ropa-crm', crm],
    ['ropa-ledger', ledger],
  ] as const) {
    const res = await api('PUT', `/v1/systems/${id}`, { token: tokens.operator, body });
    expect(res.status).toBe(201);
  }
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  delete process.env.CONTROLLER_NAME;
  delete process.env.CONTROLLER_CONTACT;
  delete process.env.DPO_CONTACT;
});

interface Activity {
  id: string;
  name: string;
  systems: string[];
}
const activity = (body: { activities: Activity[] }, id: string) => body.activities.find((a) => a.id === id);

describe('GET /v1/reports/ropa', () => {
  it("is generated from the catalog, the systems' registrations and the configured controller", async () => {
    const res = await api('GET', '/v1/reports/ropa', { token: tokens.auditor });
    expect(res.status).toBe(200);
    expect(res.body.controller).toEqual({ name: 'Example Bank plc', contact: 'privacy@bank.example' });
    expect(res.body.dpo).toEqual({ contact: 'dpo@bank.example' });
    expect(res.body.securityMeasures.length).toBeGreaterThan(3);
    expect(activity(res.body, 'system:ropa-crm')).toEqual({
      id: 'system:ropa-crm',
      name: 'CRM',
      purposes: ['Marketing', 'account servicing'],
      legalBases: ['contract', 'consent'],
      subjects: ['customers'],
      dataCategories: ['contact', 'financial'],
      recipients: ['Mail house (processor)'],
      transfers: [{ to: 'US', safeguard: 'Standard contractual clauses' }],
      retention: [
        '=2 years after the account closes',
        'iban: kept 5 years from the request for anti-money-laundering record keeping (AMLD Art. 40)',
      ],
      systems: ['ropa-crm'],
      gaps: [],
    });
    // A system registered without its processing is in the record, with what it lacks said.
    expect(activity(res.body, 'system:ropa-ledger')).toMatchObject({
      dataCategories: ['financial'],
      legalBases: [],
      gaps: [expect.stringContaining('processing')],
    });
    // A catalog purpose lists the systems that name it, with their data and recipients; consent is its basis.
    expect(activity(res.body, 'purpose:marketing')).toMatchObject({
      name: 'Marketing',
      legalBases: ['consent'],
      dataCategories: ['contact', 'financial'],
      recipients: ['Mail house (processor)'],
    });
    expect(activity(res.body, 'purpose:marketing')?.systems).toContain('ropa-crm');
    expect(activity(res.body, 'purpose:sale')?.systems).not.toContain('ropa-crm');
  });

  it('answers CSV, one row per activity, with no cell a spreadsheet would run as a formula', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/reports/ropa?format=csv`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe(
      'activity,name,purposes,legal_bases,data_subjects,data_categories,recipients,transfers,retention,systems,gaps,controller,controller_contact,dpo_contact',
    );
    const row = lines.find((l) => l.startsWith('system:ropa-crm,'));
    expect(row).toContain(",'=2 years after the account closes; iban: kept 5 years");
    expect(row).toContain(',US (Standard contractual clauses),');
    expect(row?.endsWith(',Example Bank plc,privacy@bank.example,dpo@bank.example')).toBe(true);
    expect(lines.filter((l) => l.startsWith('purpose:'))).toHaveLength(6);
  });

  it('is for operators and auditors, and refuses a query it does not know without echoing it', async () => {
    for (const role of ['crm', 'steward', 'customer'])
      expect((await api('GET', '/v1/reports/ropa', { token: tokens[role] })).status).toBe(403);
    expect((await api('GET', '/v1/reports/ropa')).status).toBe(401);
    for (const q of ['format=xml', 'secret=1']) {
      const res = await api('GET', `/v1/reports/ropa?${q}`, { token: tokens.auditor });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body)).not.toMatch(/xml|secret/);
    }
  });

  it('is in the CLI: `custodian report ropa`, as a table, JSON or the same CSV', async () => {
    const bin = new URL('../../bin/custodian.mjs', import.meta.url).pathname;
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, 'report', 'ropa', ...args], {
        env: { ...process.env, CUSTODIAN_URL: runtime.apiUrl, CUSTODIAN_TOKEN: tokens.auditor },
        timeout: 60_000,
      });
    const csv = await cli(['--csv']);
    const fromApi = await fetch(`${runtime.apiUrl}/v1/reports/ropa?format=csv`, {
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    // generatedAt is not in the CSV: the two are the same text.
    expect(csv.stdout).toBe(await fromApi.text());
    expect(activity(JSON.parse((await cli(['--json'])).stdout), 'system:ropa-crm')?.name).toBe('CRM');
    const table = (await cli([])).stdout;
    expect(table).toContain('Record of processing activities (GDPR Art. 30)');
    expect(table).toMatch(/system:ropa-crm\s+│?\s*CRM/);
    expect(table).toContain('controller: Example Bank plc');
    expect(table).toMatch(/system:ropa-ledger: processing .* not registered/);
  });
});
