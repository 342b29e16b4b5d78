/**
 * Rest definitions as data: the shipped ones parse, a hostile or broken definition or registration
 * is refused with a reason, and templates put a subject's values only where they are quoted for the
 * vendor's query language (no SOQL, OData or search-language injection, no path traversal).
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { capabilitiesOf, restDefinitionSchema } from '#core/connectors/rest/definition.ts';
import { shippedDefinitions } from '#core/connectors/rest/shipped.ts';
import { renderJson, renderText, setAt, valueAt } from '#core/connectors/rest/template.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { formBody, nextLink, retryAfterMs } from '#adapters/connectors/rest/vendor-http.ts';

const base = { baseUrl: 'https://vendor.example', settings: { apiVersion: '60.0' } };

const registration = (connector: Record<string, unknown>) =>
  systemInputSchema.safeParse({
    name: 'Vendor',
    connector: { kind: 'rest', baseUrl: 'https://vendor.example', secretRef: 'vendor', ...connector },
    capabilities: ['erase'],
  });
const messages = (r: ReturnType<typeof registration>) => (r.success ? [] : r.error.issues.map((i) => i.message));

describe('rest definitions', () => {
  it('ships Salesforce, Dynamics 365, HubSpot, Mailchimp and Stripe, each saying what it can do', () => {
    expect(Object.keys(shippedDefinitions).sort()).toEqual([
      'dynamics365',
      'hubspot',
      'mailchimp',
      'salesforce',
      'stripe',
    ]);
    expect(capabilitiesOf(shippedDefinitions.stripe)).toEqual(['erase', 'verify', 'access', 'rectify']);
    expect(capabilitiesOf(shippedDefinitions.mailchimp)).toContain('opt_out');
  });

  it('refuses a definition with an unknown placeholder or filter, or an object it cannot erase', () => {
    const d = structuredClone(shippedDefinitions.stripe) as Record<string, any>;
    d.objects[0].read.path = '/v1/customers/{{process.env}}';
    expect(restDefinitionSchema.safeParse(d).error?.issues[0].message).toMatch(/unknown placeholders: process.env/);
    d.objects[0].read.path = '/v1/customers/{{id|exec}}';
    expect(restDefinitionSchema.safeParse(d).success).toBe(false);
    const e = structuredClone(shippedDefinitions.stripe) as Record<string, any>;
    delete e.objects[0].delete;
    expect(restDefinitionSchema.safeParse(e).success).toBe(false);
  });

  it('a registration names a shipped definition (not an inherited name) and gives exactly its settings', () => {
    expect(registration({ definition: 'salesforce', settings: { apiVersion: '60.0' } }).success).toBe(true);
    expect(messages(registration({ definition: 'constructor' }))).toEqual(['no shipped definition has this id']);
    expect(messages(registration({ definition: 'salesforce' }))).toEqual(['setting apiVersion is required']);
    expect(messages(registration({ definition: 'mailchimp', settings: { listIds: 'a1b2c3d4e5' } }))).toEqual([
      'setting listIds must be a list',
    ]);
    expect(messages(registration({ definition: 'stripe', settings: { extra: 'x' } }))).toEqual([
      'setting extra is not one of this definition',
    ]);
    // An operator's own definition, inline, validated the same way.
    expect(registration({ definition: { ...shippedDefinitions.stripe, id: 'own-billing' } }).success).toBe(true);
    expect(registration({ definition: 'stripe', baseUrl: 'file:///etc/passwd' }).success).toBe(false);
  });
});

describe('templates', () => {
  it('quotes a subject’s email for SOQL, OData and Stripe’s search, and hashes it for Mailchimp', () => {
    const email = "x' OR Email != '\\";
    expect(renderText("WHERE Email = '{{email|quoted}}'", { ...base, email })).toBe(
      "WHERE Email = 'x\\' OR Email != \\'\\\\'",
    );
    expect(renderText("emailaddress1 eq '{{email|odata}}'", { ...base, email })).toBe(
      "emailaddress1 eq 'x'' OR Email != ''\\'",
    );
    // Mailchimp's subscriber hash: the MD5 of the lower-cased address.
    expect(renderText('{{email|md5lower}}', { ...base, email: 'Ada@Example.com' })).toBe(
      createHash('md5').update('ada@example.com').digest('hex'),
    );
  });

  it('URL-encodes every value in a path: an id cannot reach another resource', () => {
    expect(renderText('/sobjects/Contact/{{id}}', { ...base, id: '../../query?q=x' }, true)).toBe(
      '/sobjects/Contact/..%2F..%2Fquery%3Fq%3Dx',
    );
    expect(renderText('/services/data/v{{settings.apiVersion}}/query', base, true)).toBe('/services/data/v60.0/query');
  });

  it('a missing value is a permanent failure naming the placeholder, never a literal "undefined"', () => {
    expect(() => renderText('{{settings.subscriptionId}}', base)).toThrow(PermanentSystemError);
    expect(() => renderText('{{record.properties.email}}', { ...base, record: {} })).toThrow(/record.properties.email/);
  });

  it('a body placeholder alone keeps its value’s type; paths read OData keys and pick array items', () => {
    expect(renderJson({ properties: '{{changes}}', n: 1 }, { ...base, changes: { a: null } })).toEqual({
      properties: { a: null },
      n: 1,
    });
    expect(valueAt({ '@odata.nextLink': 'u', value: [] }, '@odata.nextLink')).toBe('u');
    expect(
      valueAt(
        {
          s: [
            { id: '1', status: 'A' },
            { id: '2', status: 'B' },
          ],
        },
        's[id=2].status',
      ),
    ).toBe('B');
    expect(valueAt({ a: 1 }, 'constructor')).toBeUndefined();
    expect(() => setAt({}, '__proto__.polluted', 1)).toThrow(PermanentSystemError);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('vendor answers', () => {
  it('Retry-After in seconds or as a date, bounded to 10 minutes; a missing or broken one is a second', () => {
    expect(retryAfterMs('3')).toBe(3_000);
    expect(retryAfterMs(new Date(Date.now() + 5_000).toUTCString())).toBeGreaterThan(3_000);
    expect(retryAfterMs('86400')).toBe(600_000);
    expect(retryAfterMs('soon')).toBe(1_000);
    expect(retryAfterMs(null)).toBe(1_000);
  });

  it('form bodies nest as Stripe reads them; Link headers give the next page', () => {
    expect(formBody({ name: 'A B', address: { line1: null, city: 'Oslo' } }).join('&')).toBe(
      'name=A%20B&address%5Bline1%5D=&address%5Bcity%5D=Oslo',
    );
    expect(nextLink('<https://v.example/p?2>; rel="next", <https://v.example/p?9>; rel="last"')).toBe(
      'https://v.example/p?2',
    );
    expect(nextLink('<https://v.example/p?9>; rel="last"')).toBeUndefined();
  });
});
