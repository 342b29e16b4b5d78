/**
 * Subjects a `rest` system has no ECIF cross-reference for, found through the vendor's own search
 * (connector.findBy): every shipped definition registered with `findBy: ['email']` against its
 * stateful stand-in, driven only through Custodian's HTTP API. The golden record's email finds the
 * records (Salesforce's query locator pages one record at a time, so its next-URL pagination is
 * walked), access reports them, erasure erases them and the read-back proves it; a search with more
 * pages than the definition's bound fails the system's step for an operator, changing nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { startVendorApi, type VendorApi, type VendorKind } from '#infra/local/demo/vendor-api.ts';
import { contractClient } from '../support/contract.ts';
import { emailOf, settledRequest, vendors } from '../support/rest-vendors.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};
const apis = {} as Record<VendorKind, VendorApi>;
const api = contractClient(() => runtime.apiUrl);

/** Known to every vendor by email only; the second has more Salesforce contacts than five pages hold. */
const FOUND = 'S-FIND-1';
const CROWDED = 'S-FIND-2';
const salesforceCrowd = (email: string) =>
  Object.fromEntries(
    Array.from({ length: 6 }, (_, i) => [`0035e00000CROWD${i}AA`, { FirstName: 'Ada', Email: email, Phone: '1' }]),
  );

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  for (const role of ['steward', 'operator'] as const) tokens[role] = await signDevToken({ role });
  await Promise.all(
    vendors.map(async (v) => {
      const records = structuredClone(v.subject(FOUND).records);
      if (v.kind === 'salesforce') records.Contact = { ...records.Contact, ...salesforceCrowd(emailOf(CROWDED)) };
      apis[v.kind] = await startVendorApi({ kind: v.kind, secret: v.secret, records });
      allowLocalSystem(apis[v.kind].url);
      process.env[`CONNECTOR_SECRET_FIND_${v.kind.toUpperCase()}`] = v.secret;
      const settings =
        v.kind === 'dynamics365' ? { tokenUrl: `${apis[v.kind].url}/tenant-0001/oauth2/v2.0/token` } : v.settings;
      const put = await api('PUT', `/v1/systems/find-${v.kind}`, {
        token: tokens.operator,
        body: {
          name: v.kind,
          connector: {
            kind: 'rest',
            definition: v.kind,
            baseUrl: apis[v.kind].url,
            settings,
            secretRef: `find_${v.kind}`,
            findBy: ['email'],
          },
          capabilities: v.capabilities,
          fields: v.fields,
        },
      });
      expect(put.status, JSON.stringify(put.body)).toBe(201);
    }),
  );
  for (const s of [FOUND, CROWDED]) {
    // No cross-references: the vendors know these subjects by email alone.
    const res = await api('PUT', `/v1/ecif/customers/${s}`, {
      token: tokens.steward,
      body: { name: { given: 'Ada', family: 'Lovelace' }, emails: [emailOf(s)], crossReferences: [] },
    });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  }
}, 120_000);
afterAll(async () => {
  await Promise.all(Object.values(apis).map((a) => a.stop()));
  await runtime?.stop();
});

type View = { id: string; status: string; systems: { systemId: string; state: string; [k: string]: any }[] };

const settled = (id: string) => settledRequest<View>(api, tokens.operator, id);

async function submit(ecifId: string, type: string) {
  const token = await signDevToken({ role: 'customer', sub: ecifId });
  const submitted = await api('POST', '/v1/privacy-requests', {
    token,
    body: { type, jurisdiction: 'GDPR', identifiers: { email: emailOf(ecifId) } },
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return { done: await settled(submitted.body.id), token };
}

const systemOf = (done: View, kind: string) => done.systems.find((s) => s.systemId === `find-${kind}`);

describe('a rest system with no cross-reference finds the subject by email through its search', () => {
  it('access: each vendor’s records found by the search, in the report', async () => {
    const { done, token } = await submit(FOUND, 'access');
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(done.systems.map((s) => [s.systemId, s.state]).sort()).toEqual(
      vendors.map((v) => [`find-${v.kind}`, 'succeeded']).sort(),
    );
    const link = await api('GET', `/v1/privacy-requests/${done.id}/report?format=json`, { token });
    const report = (await (await fetch(link.body.url)).json()) as { systems: { systemId: string; data: unknown }[] };
    for (const v of vendors)
      expect(report.systems.find((s) => s.systemId === `find-${v.kind}`)?.data).toMatchObject(v.seen);
    // The search's value never shows in what the operator sees.
    expect(JSON.stringify(done)).not.toContain(emailOf(FOUND));
  });

  it('erasure: every vendor’s records erased and proven by the read-back', async () => {
    const { done } = await submit(FOUND, 'erasure');
    expect(done.status, JSON.stringify(done)).toBe('completed');
    for (const v of vendors) {
      const localId = v.subject(FOUND).localId;
      const a = apis[v.kind];
      expect(systemOf(done, v.kind)).toMatchObject({
        state: 'succeeded',
        proof: { verified: true, verification: 'rest-read-back', recordsAffected: v.held(a, localId).length },
      });
      for (const record of v.held(a, localId)) {
        if (v.erased) expect(record).toMatchObject(v.erased);
        else expect(record).toBeUndefined();
      }
    }
    expect(JSON.stringify(done)).not.toContain(emailOf(FOUND));
  });

  it('more pages of matches than the definition’s bound: the system’s step fails for an operator, nothing changed', async () => {
    const before = JSON.stringify([...(apis.salesforce.store.get('Contact')?.entries() ?? [])]);
    const { done } = await submit(CROWDED, 'erasure');
    expect(done.status).toBe('needs_attention');
    expect(systemOf(done, 'salesforce')).toMatchObject({ state: 'failed' });
    expect(JSON.stringify(systemOf(done, 'salesforce'))).toMatch(/more than 5 pages/);
    expect(JSON.stringify([...(apis.salesforce.store.get('Contact')?.entries() ?? [])])).toBe(before);
    // Salesforce's locator pages one record at a time: the query and its next pages were walked up to the bound.
    expect(apis.salesforce.calls.filter((c) => /\/query\/[0-9a-f]+-\d+$/.test(c.path)).length).toBeGreaterThanOrEqual(
      4,
    );
    // The others found no one: nothing to do, done.
    for (const v of vendors.filter((x) => x.kind !== 'salesforce'))
      expect(systemOf(done, v.kind)).toMatchObject({ state: 'succeeded', proof: { recordsAffected: 0 } });
    expect(JSON.stringify(done)).not.toContain(emailOf(CROWDED));
  });
});
