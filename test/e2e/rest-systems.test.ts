/**
 * Systems that speak their own REST API, end to end on the local runtime: each shipped definition
 * registered as a `rest` system against a stateful stand-in of its vendor (infra/local/demo/vendor-api.ts),
 * driven only through Custodian's HTTP API. Access, opt-out and erasure reach the vendor's records and
 * are proven by reading them back; a 429 with Retry-After is retried, a revoked OAuth2 token is
 * replaced on its 401 within the same attempt, and a refusal (403) is recorded as the system's failure.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps } from '#handlers/deps.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { startVendorApi, type VendorApi, type VendorKind } from '#infra/local/demo/vendor-api.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { HUBSPOT_SYSTEM_ID } from '#infra/local/demo/hubspot-crm.ts';
import { contractClient } from '../support/contract.ts';
import { emailOf, settledRequest, oauth, type Vendor, vendors } from '../support/rest-vendors.ts';

let runtime: LocalRuntime;
let demo: Demo;
const tokens: Record<string, string> = {};
const apis = {} as Record<VendorKind, VendorApi>;
const api = contractClient(() => runtime.apiUrl);

const subjects = (v: Vendor) => [`R-${v.kind.slice(0, 4).toUpperCase()}-1`, `R-${v.kind.slice(0, 4).toUpperCase()}-2`];

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  for (const role of ['steward', 'operator'] as const) tokens[role] = await signDevToken({ role });
  await Promise.all(
    vendors.map(async (v) => {
      const records: Record<string, Record<string, Record<string, unknown>>> = {};
      for (const s of subjects(v))
        for (const [object, rows] of Object.entries(v.subject(s).records))
          Object.assign((records[object] ??= {}), rows);
      apis[v.kind] = await startVendorApi({ kind: v.kind, secret: v.secret, records });
      allowLocalSystem(apis[v.kind].url);
      process.env[`CONNECTOR_SECRET_E2E_${v.kind.toUpperCase()}`] = v.secret;
      const settings =
        v.kind === 'dynamics365' ? { tokenUrl: `${apis[v.kind].url}/tenant-0001/oauth2/v2.0/token` } : v.settings;
      const file = { name: v.kind, baseUrl: apis[v.kind].url, settings, secretRef: `e2e_${v.kind}`, fields: v.fields };
      if (v.kind === 'salesforce') {
        // As an operator registers one: the CLI, the definition by name, the system's part in a file.
        const dir = mkdtempSync(path.join(tmpdir(), 'custodian-rest-'));
        writeFileSync(path.join(dir, 'salesforce.json'), JSON.stringify(file));
        const cli = new URL('../../bin/custodian.mjs', import.meta.url).pathname;
        const args = [
          'systems',
          'put',
          'salesforce',
          '--definition',
          'salesforce',
          '--settings',
          path.join(dir, 'salesforce.json'),
          '--json',
        ];
        const { stdout } = await promisify(execFile)(process.execPath, [cli, ...args], {
          env: { ...process.env, CUSTODIAN_URL: runtime.apiUrl, CUSTODIAN_TOKEN: tokens.operator },
          timeout: 60_000,
        });
        expect(JSON.parse(stdout)).toMatchObject({
          systemId: 'salesforce',
          connector: { kind: 'rest', definition: 'salesforce', secretRef: 'e2e_salesforce' },
          capabilities: ['erase', 'verify', 'access', 'rectify', 'opt_out'],
        });
      } else {
        const put = await api('PUT', `/v1/systems/${v.kind}`, {
          token: tokens.operator,
          body: {
            name: v.kind,
            connector: { kind: 'rest', definition: v.kind, baseUrl: file.baseUrl, settings, secretRef: file.secretRef },
            capabilities: v.capabilities,
            fields: v.fields,
          },
        });
        expect(put.status, JSON.stringify(put.body)).toBe(201);
      }
      for (const s of subjects(v)) {
        const res = await api('PUT', `/v1/ecif/customers/${s}`, {
          token: tokens.steward,
          body: {
            name: { given: 'Ada', family: 'Lovelace' },
            emails: [emailOf(s)],
            crossReferences: [{ systemId: v.kind, localId: v.subject(s).localId }],
          },
        });
        expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
      }
    }),
  );
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await Promise.all(Object.values(apis).map((a) => a.stop()));
  await runtime?.stop();
});

type View = { status: string; systems: { systemId: string; state: string; [k: string]: any }[]; [k: string]: any };

const settled = (id: string) => settledRequest<View>(api, tokens.operator, id);

async function submit(ecifId: string, type: string, email = emailOf(ecifId)) {
  const token = await signDevToken({ role: 'customer', sub: ecifId });
  const submitted = await api('POST', '/v1/privacy-requests', {
    token,
    body: { type, jurisdiction: 'GDPR', identifiers: { email } },
  });
  expect(submitted.status, JSON.stringify(submitted.body)).toBe(202);
  return { done: await settled(submitted.body.id), token };
}

describe.each(vendors)('a $kind system (rest definition)', (v) => {
  const [first, second] = subjects(v);
  const localId = v.subject(first).localId;
  const tokenCalls = () => apis[v.kind].calls.filter((c) => c.path.endsWith('/token')).length;

  it('access: the vendor’s record in the report', async () => {
    const { done, token } = await submit(first, 'access');
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(done.systems).toEqual([
      expect.objectContaining({ systemId: v.kind, action: 'access', state: 'succeeded', attempts: 1 }),
    ]);
    const link = await api('GET', `/v1/privacy-requests/${done.id}/report?format=json`, { token });
    const report = (await (await fetch(link.body.url)).json()) as { systems: { systemId: string; data: unknown }[] };
    expect(report.systems.find((s) => s.systemId === v.kind)?.data).toMatchObject(v.seen);
  });

  it.skipIf(!v.optedOut)(
    'opt-out (objection): the vendor’s opt-out set, proven by a read-back; a revoked token renewed on its 401',
    async () => {
      const a = apis[v.kind];
      const before = { tokens: tokenCalls(), calls: a.calls.length };
      // OAuth2: the token cached since the access is revoked: a call gets 401, takes a new one, and passes in the same attempt.
      if (v.secret === oauth) a.revokeTokens();
      const { done } = await submit(first, 'objection');
      expect(done.status, JSON.stringify(done)).toBe('completed');
      expect(done.systems).toEqual([
        expect.objectContaining({
          systemId: v.kind,
          action: 'opt_out',
          state: 'succeeded',
          proof: expect.objectContaining({ verified: true, verification: 'rest-read-back' }),
        }),
      ]);
      expect(v.optedOut!(apis[v.kind], first, localId)).toBe(true);
      expect(done.systems[0].attempts).toBe(1);
      if (v.secret === oauth) {
        expect(tokenCalls() - before.tokens).toBe(1);
        expect(a.calls.slice(before.calls).filter((c) => c.status === 401)).toHaveLength(1);
      }
    },
  );

  it('erasure after a 429 with Retry-After: retried, then erased and proven by a read-back', async () => {
    const a = apis[v.kind];
    a.failNext(1, 429, { 'retry-after': '1' });
    const started = Date.now();
    const { done } = await submit(first, 'erasure');
    expect(done.status, JSON.stringify(done)).toBe('completed');
    expect(done.systems).toEqual([
      expect.objectContaining({
        systemId: v.kind,
        state: 'succeeded',
        attempts: 2,
        proof: expect.objectContaining({
          verified: true,
          verification: 'rest-read-back',
          recordsAffected: v.held(a, localId).length,
        }),
      }),
    ]);
    // The second attempt waited out the vendor's Retry-After (the runtime's own retry interval is 5 ms).
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    for (const record of v.held(a, localId)) {
      if (v.erased) expect(record).toMatchObject(v.erased);
      else expect(record).toBeUndefined();
    }
    if (v.erased) expect(String(v.held(a, localId)[0]?.[v.fields[1].name])).toMatch(/^hmac:/);
    const actions = (await (await deps()).audit.stream(`request:${done.id}`))
      .filter((e) => e.target.systemId === v.kind)
      .map((e) => e.action);
    expect(actions).toContain('request.system_succeeded');
  });

  it('a refusal (403) is the system’s failure for an operator, and changes nothing', async () => {
    const a = apis[v.kind];
    const id = v.subject(second).localId;
    const before = JSON.stringify(v.held(a, id));
    a.failNext(1, 403);
    const { done } = await submit(second, 'erasure');
    expect(done.status).toBe('needs_attention');
    const system = done.systems.find((s) => s.systemId === v.kind)!;
    expect(system).toMatchObject({ state: 'failed', attempts: 1 });
    expect(JSON.stringify(system)).toMatch(/answered 403/);
    // No personal value in what the operator sees.
    expect(JSON.stringify(system)).not.toContain(emailOf(second));
    expect(JSON.stringify(v.held(a, id))).toBe(before);
  });
});

describe('the demo’s HubSpot-shaped CRM (npm start)', () => {
  it('is registered on the shipped definition, and a subscriber’s erasure reaches it: the GDPR delete, proven by its 404', async () => {
    demo = await startDemo(runtime, { customers: 3, seed: 42, hubspot: true });
    const subject = demo.customers.find((c) => c.input.crossReferences.some((x) => x.systemId === HUBSPOT_SYSTEM_ID))!;
    const contactId = subject.input.crossReferences.find((x) => x.systemId === HUBSPOT_SYSTEM_ID)!.localId;
    expect(demo.hubspot!.store.get('contact')?.get(contactId)).toMatchObject({ email: subject.email });
    expect(demo.walkthrough(tokens)).toContain(`$HS_URL/crm/v3/objects/contacts/${contactId}`);
    const { done } = await submit(subject.ecifId, 'erasure', subject.email);
    expect(done.systems.find((s) => s.systemId === HUBSPOT_SYSTEM_ID)).toMatchObject({
      state: 'succeeded',
      proof: { verified: true, verification: 'rest-read-back', recordsAffected: 1 },
    });
    expect(demo.hubspot!.store.get('contact')?.has(contactId)).toBe(false);
  }, 120_000);
});
