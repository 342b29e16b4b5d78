/**
 * The CCPA metrics (11 CCR §7102) through the HTTP API on the local runtime: requests of known dates
 * and outcomes are stored by the real request store on DynamoDB Local (a past year, with its edges),
 * others are made and answered through the API this year; the figures are exact, in JSON and CSV.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '#handlers/deps.ts';
import type { PrivacyRequest, RequestStatus, RequestType } from '#core/requests/request.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};
const api = contractClient(() => runtime.apiUrl);

function stored(
  id: string,
  type: RequestType,
  receivedAt: string,
  status: RequestStatus,
  more: Partial<PrivacyRequest> = {},
): PrivacyRequest {
  return {
    id,
    type,
    jurisdiction: 'CCPA',
    channel: 'web',
    status,
    identityKeys: [],
    verification: { state: 'verified', method: 'code' },
    receivedAt,
    ackDueAt: receivedAt,
    dueAt: new Date(Date.parse(receivedAt) + 45 * 86_400_000).toISOString(),
    updatedAt: receivedAt,
    ...more,
  };
}

const at = (day: string) => new Date(day).toISOString();

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, webPages: false });
  for (const role of ['operator', 'auditor', 'crm', 'steward'] as const) tokens[role] = await signDevToken({ role });
  const { requests } = await deps();
  const seeds = [
    // delete: answered in 10, 20, 3.5 and 10 days; one still open at the year's last millisecond.
    stored('d1', 'erasure', at('2024-03-01T00:00Z'), 'completed', { completedAt: at('2024-03-11T00:00Z') }),
    // d2's deadline passed before it closed, but it had been extended past that.
    stored('d2', 'erasure', at('2024-04-01T00:00Z'), 'partially_completed', {
      completedAt: at('2024-04-21T00:00Z'),
      dueAt: at('2024-04-16T00:00Z'),
      extension: {
        extendedDueAt: at('2024-05-31T00:00Z'),
        reason: 'complex',
        at: at('2024-04-10T00:00Z'),
        by: { role: 'operator', principal: 'op' },
      },
    }),
    stored('d3', 'erasure', at('2024-05-01T00:00Z'), 'denied', {
      completedAt: at('2024-05-04T12:00Z'),
      denial: {
        reason: 'legal_obligation_to_retain',
        detail: 'kept by law',
        at: at('2024-05-04T12:00Z'),
        by: { role: 'operator', principal: 'op' },
      },
    }),
    stored('d4', 'erasure', at('2024-06-01T00:00Z'), 'unverified', { completedAt: at('2024-06-11T00:00Z') }),
    stored('d5', 'erasure', at('2024-12-31T23:59:59.999Z'), 'in_progress'),
    // know: access in 24.25 days (2024 is a leap year), portability in 14.
    // k1 was held to a 20-day deadline and missed it (the dashboard counts it late).
    stored('k1', 'access', at('2024-02-10T00:00Z'), 'completed', {
      completedAt: at('2024-03-05T06:00Z'),
      dueAt: at('2024-03-01T00:00Z'),
    }),
    stored('k2', 'portability', at('2024-07-01T00:00Z'), 'completed', { completedAt: at('2024-07-15T00:00Z') }),
    stored('c1', 'rectification', at('2024-08-01T00:00Z'), 'cancelled', { completedAt: at('2024-08-02T00:00Z') }),
    stored('o1', 'opt_out_sale_sharing', at('2024-09-01T00:00Z'), 'completed', {
      completedAt: at('2024-09-01T12:00Z'),
    }),
    // Not counted: GDPR, a follow-up run Custodian started, a right §7102 does not name, the years around.
    stored('g1', 'erasure', at('2024-03-02T00:00Z'), 'completed', {
      jurisdiction: 'GDPR',
      completedAt: at('2024-03-03T00:00Z'),
    }),
    stored('f1', 'erasure', at('2024-03-03T00:00Z'), 'completed', {
      completedAt: at('2024-03-04T00:00Z'),
      followUp: { of: 'd1', key: 'retention:core:2029', reason: 'retention_ended' },
    }),
    stored('r1', 'restriction', at('2024-03-04T00:00Z'), 'completed', { completedAt: at('2024-03-05T00:00Z') }),
    stored('x1', 'erasure', at('2023-12-31T23:59:59.999Z'), 'completed', { completedAt: at('2024-01-02T00:00Z') }),
    stored('y1', 'erasure', at('2025-01-01T00:00:00.000Z'), 'completed', { completedAt: at('2025-01-02T00:00Z') }),
  ];
  for (const r of seeds) await requests.create(r);
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const empty = {
  received: 0,
  complied: 0,
  compliedInWhole: 0,
  compliedInPart: 0,
  denied: 0,
  deniedByReason: {},
  withdrawn: 0,
  open: 0,
  medianDaysToRespond: null,
  meanDaysToRespond: null,
};

describe('GET /v1/reports/ccpa-metrics', () => {
  it('counts a calendar year per right: received, complied, denied by reason, days to respond', async () => {
    const res = await api('GET', '/v1/reports/ccpa-metrics?year=2024', { token: tokens.auditor });
    expect(res.status).toBe(200);
    expect(res.body.year).toBe(2024);
    expect(res.body.rights).toEqual({
      delete: {
        received: 5,
        complied: 2,
        compliedInWhole: 1,
        compliedInPart: 1,
        denied: 2,
        deniedByReason: { legal_obligation_to_retain: 1, identity_not_verified: 1 },
        withdrawn: 0,
        open: 1,
        medianDaysToRespond: 10,
        meanDaysToRespond: 10.9,
      },
      know: {
        ...empty,
        received: 2,
        complied: 2,
        compliedInWhole: 2,
        medianDaysToRespond: 19.1,
        meanDaysToRespond: 19.1,
      },
      correct: { ...empty, received: 1, withdrawn: 1 },
      opt_out_sale_sharing: {
        ...empty,
        received: 1,
        complied: 1,
        compliedInWhole: 1,
        medianDaysToRespond: 0.5,
        meanDaysToRespond: 0.5,
      },
      limit_sensitive: empty,
    });
  });

  it('answers CSV, one row per figure', async () => {
    const res = await fetch(`${runtime.apiUrl}/v1/reports/ccpa-metrics?year=2024&format=csv`, {
      headers: { authorization: `Bearer ${tokens.operator}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = (await res.text()).split('\r\n');
    expect(lines[0]).toBe('year,right,metric,reason,value');
    expect(lines.slice(1, 13)).toEqual([
      '2024,know,received,,2',
      '2024,know,complied,,2',
      '2024,know,complied_in_whole,,2',
      '2024,know,complied_in_part,,0',
      '2024,know,denied,,0',
      '2024,know,withdrawn,,0',
      '2024,know,open,,0',
      '2024,know,median_days_to_respond,,19.1',
      '2024,know,mean_days_to_respond,,19.1',
      '2024,delete,received,,5',
      '2024,delete,complied,,2',
      '2024,delete,complied_in_whole,,1',
    ]);
    expect(lines).toContain('2024,delete,denied,identity_not_verified,1');
    expect(lines).toContain('2024,delete,denied,legal_obligation_to_retain,1');
    expect(lines).toContain('2024,limit_sensitive,median_days_to_respond,,');
  });

  it("counts this year's requests as the API answered them", async () => {
    const year = new Date().getUTCFullYear();
    const submit = async (type: RequestType, jurisdiction: string) => {
      const res = await api('POST', '/v1/privacy-requests', {
        body: { type, jurisdiction, identifiers: { email: `metrics-${type}-${jurisdiction}@example.com` } },
      });
      expect(res.status).toBe(202);
      return res.body.id as string;
    };
    const denied = await submit('erasure', 'CCPA');
    const withdrawn = await submit('access', 'CCPA');
    const gdpr = await submit('erasure', 'GDPR');
    const detail = { reason: 'excessive', detail: 'the fourth request this month' };
    expect(
      (await api('POST', `/v1/privacy-requests/${denied}/deny`, { token: tokens.operator, body: detail })).status,
    ).toBe(200);
    expect(
      (await api('POST', `/v1/privacy-requests/${gdpr}/deny`, { token: tokens.operator, body: detail })).status,
    ).toBe(200);
    expect((await api('POST', `/v1/privacy-requests/${withdrawn}/cancel`, { token: tokens.operator })).status).toBe(
      200,
    );

    const res = await api('GET', `/v1/reports/ccpa-metrics?year=${year}`, { token: tokens.operator });
    expect(res.status).toBe(200);
    expect(res.body.rights.delete).toEqual({
      ...empty,
      received: 1,
      denied: 1,
      deniedByReason: { excessive: 1 },
      medianDaysToRespond: 0,
      meanDaysToRespond: 0,
    });
    expect(res.body.rights.know).toEqual({ ...empty, received: 1, withdrawn: 1 });
  });

  it('is for operators and auditors, and refuses a year that is not one', async () => {
    for (const role of ['crm', 'steward'])
      expect((await api('GET', '/v1/reports/ccpa-metrics?year=2024', { token: tokens[role] })).status).toBe(403);
    expect((await api('GET', '/v1/reports/ccpa-metrics?year=2024')).status).toBe(401);
    for (const q of ['year=abc', 'year=2024&format=xml', '', 'year=2024&x=1']) {
      const res = await api('GET', `/v1/reports/ccpa-metrics?${q}`, { token: tokens.auditor });
      expect(res.status).toBe(422);
      expect(JSON.stringify(res.body)).not.toContain('xml');
    }
  });

  it('is in the CLI: `custodian report ccpa-metrics --year 2024`, as a table, JSON or the same CSV', async () => {
    const bin = new URL('../../bin/custodian.mjs', import.meta.url).pathname;
    const cli = (args: string[]) =>
      promisify(execFile)(process.execPath, [bin, 'report', 'ccpa-metrics', ...args], {
        env: { ...process.env, CUSTODIAN_URL: runtime.apiUrl, CUSTODIAN_TOKEN: tokens.auditor },
        timeout: 60_000,
      }).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
      );
    const csv = await cli(['--year', '2024', '--csv']);
    expect(csv.code).toBe(0);
    const api = await fetch(`${runtime.apiUrl}/v1/reports/ccpa-metrics?year=2024&format=csv`, {
      headers: { authorization: `Bearer ${tokens.auditor}` },
    });
    expect(csv.stdout).toBe(await api.text());
    const json = await cli(['--year', '2024', '--json']);
    expect(JSON.parse(json.stdout).rights.delete.meanDaysToRespond).toBe(10.9);
    const table = await cli(['--year', '2024']);
    expect(
      table.stdout
        .split('\n')
        .find((l) => l.startsWith('delete'))
        ?.trimEnd()
        .split(/\s{2,}/),
    ).toEqual(['delete', '5', '2 (1 whole, 1 part)', '2', '0', '1', '10', '10.9']);
    expect(table.stdout).toContain('delete: 1 legal_obligation_to_retain');
    const bad = await cli(['--year', '20x4']);
    expect(bad.code).toBe(2);
  });
});

describe('GET /v1/metrics', () => {
  it('counts received per week, right and jurisdiction, closing against deadlines, and what is open now', async () => {
    const res = await api('GET', '/v1/metrics?from=2024-01-01&to=2025-01-01', { token: tokens.operator });
    expect(res.status).toBe(200);
    const week = (w: string, type: string, jurisdiction = 'CCPA') => ({ week: w, type, jurisdiction, count: 1 });
    expect(res.body.received).toEqual({
      total: 11,
      weeks: [
        week('2024-02-05', 'access'),
        week('2024-02-26', 'erasure'),
        week('2024-02-26', 'erasure', 'GDPR'),
        week('2024-03-04', 'restriction'),
        week('2024-04-01', 'erasure'),
        week('2024-04-29', 'erasure'),
        week('2024-05-27', 'erasure'),
        week('2024-07-01', 'portability'),
        week('2024-07-29', 'rectification'),
        week('2024-08-26', 'opt_out_sale_sharing'),
        week('2024-12-30', 'erasure'),
      ],
    });
    expect(res.body.closing).toEqual({
      closed: 9,
      closedInTime: 8,
      shareInTime: 0.889,
      daysToClose: [
        { upToDays: 7, count: 4 },
        { upToDays: 14, count: 3 },
        { upToDays: 30, count: 2 },
        { upToDays: 45, count: 0 },
        { upToDays: null, count: 0 },
      ],
    });
    // Now: d5 is the one open request (this year's were all answered), long past its deadline.
    expect(res.body.now).toEqual({
      openByStatus: { pending_verification: 0, received: 0, in_progress: 1, needs_attention: 0 },
      overdue: 1,
      dueSoon: 0,
      dueSoonDays: expect.any(Number),
    });
  });

  it('refuses a period that is not one, for operators and auditors only', async () => {
    for (const q of [
      'from=2024-01-01',
      'from=2025-01-01&to=2024-01-01',
      'from=2020-01-01&to=2024-01-01',
      'from=x&to=y',
    ])
      expect((await api('GET', `/v1/metrics?${q}`, { token: tokens.auditor })).status).toBe(422);
    expect((await api('GET', '/v1/metrics?from=2024-01-01&to=2025-01-01', { token: tokens.crm })).status).toBe(403);
  });
});
