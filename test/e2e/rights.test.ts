/**
 * Every right end to end, through the HTTP API on the local runtime, against the demo systems (the CRM
 * behind its signed webhook, the core-banking DynamoDB table): access and portability produce a report
 * downloadable by the verified requester through an expiring link (masked national ids and account
 * numbers); rectification corrects every system and the ECIF; restriction and the opt-outs reach the
 * systems and decide the CRM's consent checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { deps } from '#handlers/deps.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import type { DemoCustomer } from '#infra/local/demo/customers.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';
import { submitVerified } from '../support/requester.ts';

let runtime: LocalRuntime;
let demo: Demo;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 16, seed: 7 });
  for (const role of ['operator', 'crm', 'auditor'] as const) tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

const api = contractClient(() => runtime.apiUrl);

async function settled(id: string, token: string) {
  for (let i = 0; i < 300; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token });
    if (!['received', 'in_progress'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the request did not settle');
}

// Each test takes its own customer: rights change them.
let next = 0;
function customerWith(pred: (c: DemoCustomer) => boolean): DemoCustomer {
  const c = demo.customers.filter((x) => x.ecifId !== 'C000001' && pred(x))[next++];
  if (!c) throw new Error('no demo customer left for this test');
  return c;
}
const inBoth = (c: DemoCustomer) =>
  !!c.crm && !!c.coreBanking && demo.crm.store.get(c.crm.contactId)?.email === c.crm.email;
const account = async (c: DemoCustomer) =>
  unmarshall(
    (
      await runtime.dynamo.client.send(
        new GetItemCommand({
          TableName: demo.coreBankingTable,
          Key: { accountId: { S: c.coreBanking!.accountId } },
          ConsistentRead: true,
        }),
      )
    ).Item!,
  );
const decide = async (ecifId: string, purpose: string, channel = 'email') =>
  (await api('POST', '/v1/consent-decisions', { token: tokens.crm, body: { ecifId, purpose, channel } })).body;

describe('access (GDPR Art. 15, CCPA §1798.110)', () => {
  it('a signed-in customer gets a report from every system, downloads it through an expiring link, masked where the law asks', async () => {
    const c = customerWith((x) => inBoth(x) && !!x.coreBanking?.nationalId);
    const token = await signDevToken({ role: 'customer', sub: c.ecifId });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: { type: 'access', jurisdiction: 'CCPA', identifiers: { email: c.email } },
    });
    expect(submitted.status).toBe(202);
    const done = await settled(submitted.body.id, token);
    expect(done).toMatchObject({ status: 'completed', outcome: { result: 'report_ready' } });
    expect(
      done.systems
        .map((s: { systemId: string; action: string; state: string }) => [s.systemId, s.action, s.state])
        .sort(),
    ).toEqual([
      ['core-banking', 'access', 'succeeded'],
      ['crm', 'access', 'succeeded'],
      ...(c.marketing ? [['marketing', 'access', 'succeeded']] : []),
    ]);

    const link = await api('GET', `/v1/privacy-requests/${done.id}/report?format=json`, { token });
    expect(link.status).toBe(200);
    expect(Date.parse(link.body.expiresAt) - Date.now()).toBeGreaterThan(14 * 60_000);
    const report = (await (await fetch(link.body.url)).json()) as Record<string, any>;
    expect(report).toMatchObject({
      format: 'custodian-access-report/1',
      requestId: done.id,
      subject: { ecifId: c.ecifId, emails: expect.arrayContaining([c.email]) },
    });
    const bySystem = Object.fromEntries(report.systems.map((s: { systemId: string }) => [s.systemId, s]));
    expect(bySystem.crm.data).toMatchObject({ email: c.crm!.email, lastName: c.crm!.lastName });
    expect(bySystem['core-banking'].categories).toEqual(expect.arrayContaining(['identity', 'contact', 'financial']));
    // 11 CCR §7024(d): never the whole national id or account number.
    const text = JSON.stringify(report);
    expect(text).not.toContain(c.coreBanking!.nationalId!);
    expect(text).not.toContain(c.coreBanking!.accountNumber);
    expect(bySystem['core-banking'].data.accountNumber).toBe(
      `••••${c.coreBanking!.accountNumber.replace(/\s+/g, '').slice(-4)}`,
    );

    const csv = await (
      await fetch((await api('GET', `/v1/privacy-requests/${done.id}/report?format=csv`, { token })).body.url)
    ).text();
    expect(csv.split('\r\n')[0]).toBe('section,system,field,category,value');
    expect(csv).toContain(`system,crm,email,contact,${c.crm!.email}`);
    expect(csv).not.toContain(c.coreBanking!.accountNumber);

    // Only the requester: an operator has no download link, another customer no request.
    expect((await api('GET', `/v1/privacy-requests/${done.id}/report`, { token: tokens.operator })).status).toBe(403);
    expect(
      (
        await api('GET', `/v1/privacy-requests/${done.id}/report`, {
          token: await signDevToken({ role: 'customer', sub: 'C000001' }),
        })
      ).status,
    ).toBe(404);
    const trail = await (await deps()).audit.stream(`request:${done.id}`);
    expect(trail.filter((e) => e.action === 'request.report_downloaded').map((e) => e.details.format)).toEqual([
      'json',
      'csv',
    ]);
    expect(JSON.stringify(trail)).not.toContain(c.email);
  });

  it('portability for an anonymous requester verified by code: the report through its requester key', async () => {
    const c = customerWith(inBoth);
    const { id, requesterKey } = await submitVerified(
      runtime.apiUrl,
      { type: 'portability', jurisdiction: 'GDPR', identifiers: { email: c.email } },
      c.email,
    );
    const done = await settled(id, tokens.operator);
    expect(done.outcome.result).toBe('report_ready');
    const link = await api('GET', `/v1/privacy-requests/${id}/report`, {
      headers: { 'x-requester-key': requesterKey },
    });
    expect(link.status).toBe(200);
    expect(((await (await fetch(link.body.url)).json()) as { subject: { ecifId: string } }).subject.ecifId).toBe(
      c.ecifId,
    );
    expect((await api('GET', `/v1/privacy-requests/${id}/report`)).status).toBe(404);
  });
});

describe('rectification (GDPR Art. 16, CCPA §1798.106)', () => {
  it('corrects every system holding a corrected field, and the golden record; the values leave the request once closed', async () => {
    const c = customerWith(inBoth);
    const token = await signDevToken({ role: 'customer', sub: c.ecifId });
    const corrected = `corrected.${c.ecifId.toLowerCase()}@example.net`;
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: {
        type: 'rectification',
        jurisdiction: 'GDPR',
        identifiers: { email: c.email },
        corrections: { email: corrected, familyName: 'Newman' },
      },
    });
    expect(submitted.body.corrections.sort()).toEqual(['email', 'familyName']);
    const done = await settled(submitted.body.id, token);
    expect(done).toMatchObject({ status: 'completed', outcome: { result: 'rectified' } });
    expect(demo.crm.store.get(c.crm!.contactId)).toMatchObject({ email: corrected, lastName: 'Newman' });
    expect((await account(c)).email).toBe(corrected);
    const crm = done.systems.find((s: { systemId: string }) => s.systemId === 'crm');
    expect(crm.proof.fieldsChanged.sort()).toEqual(['email', 'lastName']);
    // The ECIF now resolves the person by the corrected email, not by the old one.
    const d = await deps();
    const record = await d.ecif.getCustomer(c.ecifId);
    expect(record).toMatchObject({ name: { family: 'Newman' } });
    expect(record!.emails[0]).toBe(corrected);
    expect(record!.emails).not.toContain(c.email);
    const stored = await d.requests.get(done.id);
    expect(stored).not.toHaveProperty('corrections');
    expect(JSON.stringify(await d.audit.stream(`request:${done.id}`))).not.toMatch(/Newman|corrected\./);
  });
});

describe('restriction (GDPR Art. 18)', () => {
  it('flags every system and the consent: the CRM is told no for anything', async () => {
    const c = customerWith(inBoth);
    const { id } = await submitVerified(
      runtime.apiUrl,
      { type: 'restriction', jurisdiction: 'GDPR', identifiers: { email: c.email } },
      c.email,
    );
    const done = await settled(id, tokens.operator);
    expect(done).toMatchObject({ status: 'completed', outcome: { result: 'restricted' } });
    expect(demo.crm.store.get(c.crm!.contactId)?.processingRestricted).toBe(true);
    expect((await account(c)).privacy_restricted).toBe(true);
    expect(await decide(c.ecifId, 'analytics')).toMatchObject({ decision: 'deny', reason: 'restricted' });
  });
});

describe('opt-outs and objection: at once, without verification (11 CCR §7025-7026, Art. 21)', () => {
  it.each([
    { type: 'opt_out_sale_sharing', jurisdiction: 'CCPA', purpose: 'sale', reason: 'opted_out_sale' },
    { type: 'objection', jurisdiction: 'GDPR', purpose: 'marketing', reason: 'objected' },
    { type: 'limit_sensitive', jurisdiction: 'CCPA', purpose: 'sensitive_data_use', reason: 'limited_sensitive_use' },
  ])(
    '$type: the decision denies before any system is reached; the CRM is told',
    async ({ type, jurisdiction, purpose, reason }) => {
      const c = customerWith(inBoth);
      const submitted = await api('POST', '/v1/privacy-requests', {
        body: { type, jurisdiction, identifiers: { email: c.email } },
      });
      expect(submitted.status).toBe(202);
      expect(submitted.body).toMatchObject({
        status: 'received',
        verification: { state: 'verified', method: 'not_required' },
      });
      expect(await decide(c.ecifId, purpose)).toMatchObject({ decision: 'deny', reason });
      const done = await settled(submitted.body.id, tokens.operator);
      expect(done).toMatchObject({ status: 'completed', outcome: { result: 'opted_out' } });
      // Only the systems that can take an opt-out are reached (core banking cannot, and is not asked).
      expect(done.systems.map((s: { systemId: string }) => s.systemId)).toEqual([
        'crm',
        ...(c.marketing ? ['marketing'] : []),
      ]);
      expect(demo.crm.store.get(c.crm!.contactId)?.marketingOptOut).toBe(true);
    },
  );
});

describe('the fan-out reaches relational tables (real PostgreSQL and MariaDB)', () => {
  it('an erasure erases the subject in a PostgreSQL warehouse and a MariaDB table registered as systems, with proof', async () => {
    const { mysql, postgres, closeSqlPools } = await import('#adapters/connectors/sql-dialects.ts');
    const dbs = [
      {
        systemId: 'warehouse-pg',
        kind: 'postgres',
        dialect: postgres,
        url: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      },
      {
        systemId: 'marketing-db',
        kind: 'mysql',
        dialect: mysql,
        url: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
      },
    ] as const;
    const table = `e2e_${process.pid}_${Date.now().toString(36)}`;
    const c = customerWith(inBoth);
    const steward = await signDevToken({ role: 'steward' });
    try {
      for (const db of dbs) {
        process.env[`CONNECTOR_DB_${db.systemId.toUpperCase().replace(/-/g, '_')}`] = db.url;
        const s = await db.dialect.session(db.url);
        await s.query(
          `CREATE TABLE ${db.dialect.quote(table)} (customer_id VARCHAR(40) PRIMARY KEY, email VARCHAR(200), segment VARCHAR(40), balance_band VARCHAR(20))`,
          [],
        );
        await s.query(
          `INSERT INTO ${db.dialect.quote(table)} VALUES (${[1, 2, 3, 4].map((i) => db.dialect.placeholder(i)).join(', ')})`,
          [`DW-${c.ecifId}`, c.email, 'gold', '10k-50k'],
        );
        s.release();
        const registered = await api('PUT', `/v1/systems/${db.systemId}`, {
          token: tokens.operator,
          body: {
            name: db.systemId,
            capabilities: ['erase', 'access', 'verify'],
            connector: { kind: db.kind, connectionRef: db.systemId, table, keyColumn: 'customer_id' },
            fields: [
              { name: 'email', category: 'contact', strategy: 'hash' },
              { name: 'segment', category: 'behavioural', strategy: 'null' },
              {
                name: 'balance_band',
                category: 'financial',
                strategy: 'retain',
                exemption: { basis: 'AML record-keeping', years: 5 },
              },
            ],
          },
        });
        expect(registered.status).toBeLessThan(300);
      }
      // The steward adds the warehouse ids to the golden record's cross-references.
      const input = {
        ...c.input,
        crossReferences: [
          ...c.input.crossReferences,
          ...dbs.map((db) => ({ systemId: db.systemId, localId: `DW-${c.ecifId}` })),
        ],
      };
      expect((await api('PUT', `/v1/ecif/customers/${c.ecifId}`, { token: steward, body: input })).status).toBe(200);

      const token = await signDevToken({ role: 'customer', sub: c.ecifId });
      const submitted = await api('POST', '/v1/privacy-requests', {
        token,
        body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: c.email } },
      });
      const done = await settled(submitted.body.id, token);
      expect(done.status).toBe('completed');
      for (const db of dbs) {
        expect(done.systems.find((s: { systemId: string }) => s.systemId === db.systemId)).toMatchObject({
          state: 'succeeded',
          proof: { verified: true, fieldsChanged: ['email', 'segment'] },
        });
        const s = await db.dialect.session(db.url);
        const row = (await s.query(`SELECT * FROM ${db.dialect.quote(table)}`, [])).rows[0];
        await s.query(`DROP TABLE ${db.dialect.quote(table)}`, []);
        s.release();
        expect(String(row.email)).toMatch(/^hmac:/);
        expect(row.segment).toBeNull();
        expect(row.balance_band).toBe('10k-50k');
      }
    } finally {
      await closeSqlPools();
    }
  });
});
