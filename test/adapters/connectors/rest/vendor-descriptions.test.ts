/**
 * Each shipped definition against its vendor's published API description (test/fixtures/vendor-apis/):
 * one Prism mock per description, validation on. Every request template of the definition is sent
 * (the token request, each read, each search and its next page, each write), then the connector's own
 * erasure, access and read-back, and the test fails on any request Prism finds a violation in, or a
 * request template no request exercised.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RestConnector } from '#adapters/connectors/rest/rest-connector.ts';
import { forgetTokens } from '#adapters/connectors/rest/vendor-credentials.ts';
import type { RestDefinition, RestRequest } from '#core/connectors/rest/definition.ts';
import { shippedDefinitions } from '#core/connectors/rest/shipped.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import type { ConnectedSystem, FieldRule } from '#core/connectors/system.ts';
import { startPrism, type PrismMock } from '../../../support/prism.ts';

const email = "o'brien.ada@example.com";
const phone = '+44 20 7946 0001';

interface Vendor {
  description: string;
  id: string;
  settings: (url: string) => Record<string, string | string[]>;
  secret: string;
  fields: FieldRule[];
  /** HubSpot's examples are null where its schemas want objects: its answers are generated from the schemas. */
  dynamic?: boolean;
  /** A field of the vendor's records registered `delete_row` (the record is deleted). */
  rowField: string;
  /** Values a rectification sends. */
  values: Record<string, string>;
  record: unknown;
  /** The next page of each search, as the vendor gives it. */
  nextPage: (
    url: string,
    objectName: string,
  ) => { url?: string; query?: Record<string, string>; body?: Record<string, string> };
}

const field = (name: string, strategy: FieldRule['strategy']): FieldRule => ({ name, category: 'contact', strategy });
const oauth = JSON.stringify({ clientId: 'custodian-test', clientSecret: 'not-a-real-secret' });

const vendors: Vendor[] = [
  {
    description: 'salesforce.yaml',
    rowField: 'Description',
    id: '0035e00000TEST1AAA',
    settings: () => ({ apiVersion: '60.0' }),
    secret: oauth,
    fields: [field('FirstName', 'redact'), field('LastName', 'redact'), field('Email', 'hash'), field('Phone', 'mask')],
    values: { FirstName: 'Ada', Email: 'ada.lovelace@example.com' },
    record: { Id: '0035e00000TEST1AAA', Email: email },
    nextPage: () => ({ url: '/services/data/v60.0/query/01gD0000000TEST1-2000' }),
  },
  {
    description: 'dynamics365.yaml',
    rowField: 'description',
    id: '7f2b6a3e-2c1d-4e5f-8a9b-0c1d2e3f4a5b',
    settings: (url) => ({ tokenUrl: `${url}/tenant-0001/oauth2/v2.0/token` }),
    secret: oauth,
    fields: [
      field('firstname', 'redact'),
      field('lastname', 'redact'),
      field('emailaddress1', 'hash'),
      field('telephone1', 'null'),
    ],
    values: { firstname: 'Ada' },
    record: { contactid: '7f2b6a3e-2c1d-4e5f-8a9b-0c1d2e3f4a5b', emailaddress1: email },
    nextPage: (url, set) => ({
      url: `${url}/api/data/v9.2/${set}?$filter=${encodeURIComponent(`emailaddress1 eq 'x'`)}&$select=${set === 'contacts' ? 'contactid' : 'leadid'}`,
    }),
  },
  {
    description: 'hubspot.json',
    dynamic: true,
    rowField: 'notes',
    id: '101',
    settings: () => ({ subscriptionId: '12345' }),
    secret: 'pat-na1-not-a-real-token',
    fields: [field('firstname', 'redact'), field('lastname', 'redact'), field('email', 'hash'), field('phone', 'mask')],
    values: { firstname: 'Ada', phone: '+44 20 7946 0001' },
    record: { id: '101', properties: { email } },
    nextPage: () => ({ body: { after: 'NTI1Cg%3D%3D' } }),
  },
  {
    description: 'mailchimp.yaml',
    rowField: 'ADDRESS',
    id: '8d777f385d3dfec8815d20f7496026dc',
    settings: () => ({ listIds: ['a1b2c3d4e5', 'f6g7h8i9j0'] }),
    secret: JSON.stringify({ username: 'custodian', password: 'not-a-real-key-us21' }),
    fields: [
      field('FNAME', 'redact'),
      field('LNAME', 'redact'),
      field('PHONE', 'null'),
      field('email_address', 'hash'),
    ],
    values: { FNAME: 'Ada', email_address: 'ada.lovelace@example.com' },
    record: { id: '8d777f385d3dfec8815d20f7496026dc', email_address: email },
    nextPage: () => ({}),
  },
  {
    description: 'stripe.json',
    rowField: 'description',
    id: 'cus_TEST0000000001',
    settings: () => ({}),
    secret: 'rk_test_not_a_real_key',
    fields: [field('name', 'redact'), field('email', 'hash'), field('phone', 'null')],
    values: { name: 'Ada Lovelace', email: 'ada.lovelace@example.com' },
    record: { id: 'cus_TEST0000000001', email },
    nextPage: () => ({ query: { page: 'page_TEST' } }),
  },
];

const definitionOf = (v: Vendor): RestDefinition => shippedDefinitions[v.description.replace(/\.(json|yaml)$/, '')];

const mocks = new Map<string, PrismMock>();
beforeAll(async () => {
  // One Prism per description, all started at once.
  await Promise.all(
    vendors.map(async (v) =>
      mocks.set(v.description, await startPrism(`test/fixtures/vendor-apis/${v.description}`, { dynamic: v.dynamic })),
    ),
  );
}, 120_000);
afterAll(async () => Promise.all([...mocks.values()].map((m) => m.stop())));

function work(v: Vendor, action: SystemWork['action'], fields = v.fields): SystemWork {
  return {
    requestId: 'REQ-PRISM',
    system: { systemId: 'vendor' } as ConnectedSystem,
    action,
    localId: v.id,
    fields,
    idempotencyKey: `REQ-PRISM:vendor:${action}`,
    ...(action === 'rectify' ? { values: v.values } : {}),
    ...(action === 'opt_out' ? { flags: ['objectedDirectMarketing'] } : {}),
  };
}

/** The request templates of a definition, each as method and a pattern of the paths it makes. */
function templates(definition: RestDefinition): { method: string; pattern: RegExp; path: string }[] {
  const out: RestRequest[] = [];
  for (const o of definition.objects) {
    out.push(o.read);
    for (const s of o.search) if ('request' in s) out.push(s.request);
    for (const r of [o.update, o.delete, o.rectify, o.opt_out?.request, o.opt_out?.check?.request]) if (r) out.push(r);
  }
  return out.map((r) => ({
    method: r.method,
    path: r.path,
    pattern: new RegExp(
      `^${r.path
        .split(/\{\{[^}]+\}\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('[^/?]+')}(\\?|$)`,
    ),
  }));
}

describe.each(vendors)('the $description definition against the vendor’s description', (v) => {
  it('sends only requests the description allows, and every request it has', async () => {
    forgetTokens();
    const mock = mocks.get(v.description)!;
    const definition = definitionOf(v);
    const connector = new RestConnector(
      definition,
      { baseUrl: mock.url, settings: v.settings(mock.url), timeoutMs: 10_000 },
      'hash-key',
      async () => v.secret,
    );
    const { records } = connector;
    const names = v.fields.map((f) => f.name);
    // Every template, with what a real call has in hand.
    for (const { object, each } of records.targets()) {
      const ctx = records.context({ id: v.id, each, email, phone, fields: names, record: v.record });
      await records.call(object.read, ctx);
      for (const search of object.search) {
        if (!('request' in search)) continue;
        await records.call(search.request, ctx);
        const page = v.nextPage(mock.url, object.name);
        if (Object.keys(page).length) await records.call(search.request, ctx, page);
      }
      if (object.update)
        await records.call(object.update, {
          ...ctx,
          changes: { [names[0]]: '[REDACTED]', [names[3] ?? names[2]]: null },
        });
      if (object.delete) await records.call(object.delete, ctx);
      if (object.opt_out) {
        await records.call(object.opt_out.request, ctx);
        if (object.opt_out.check?.request) await records.call(object.opt_out.check.request, ctx);
      }
    }
    // The connector's own calls: what it reads decides what it writes. Prism answers from the
    // description (a deleted record still reads, a search always has a next page): what the
    // connector makes of those answers is the stateful tests' business, what it sends is this one's.
    const settled = (p: Promise<unknown>) => p.catch(() => undefined);
    await settled(connector.find({ email }, names));
    await settled(connector.find({ phone }, names));
    await settled(connector.execute(work(v, 'erase')));
    await settled(connector.verify(work(v, 'erase')));
    if (definition.objects.some((o) => o.update && o.delete))
      await settled(connector.execute(work(v, 'erase', [...v.fields, field(v.rowField, 'delete_row')])));
    await settled(connector.execute(work(v, 'access')));
    if (definition.objects.some((o) => o.rectify ?? o.update)) await settled(connector.execute(work(v, 'rectify')));
    const refused = mock.requests.filter(
      (r) => r.refusal || r.violations.some((x) => x.severity === 'Error' && x.location[0] === 'request'),
    );
    expect(refused, JSON.stringify(refused, null, 1)).toEqual([]);
    for (const t of templates(definition))
      expect(
        mock.requests.some((r) => r.method === t.method && t.pattern.test(r.url)),
        `${t.method} ${t.path} was not exercised`,
      ).toBe(true);
    if (definition.auth.kind === 'oauth2_client_credentials')
      expect(mock.requests.filter((r) => r.method === 'POST' && r.url.includes('token'))).toHaveLength(1);
  });
});
