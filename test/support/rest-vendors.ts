/**
 * The five shipped definitions as test/e2e/rest-systems.test.ts registers them: each vendor's
 * credentials, settings, fields, a subject's records in its stand-in, and what access, erasure and
 * opt-out leave there.
 */
import { createHash } from 'node:crypto';
import type { VendorApi, VendorKind } from '#infra/local/demo/vendor-api.ts';
import type { contractClient } from './contract.ts';

const md5 = (s: string) => createHash('md5').update(s.toLowerCase()).digest('hex');
export const emailOf = (ecifId: string) => `${ecifId.toLowerCase()}@example.net`;
export const oauth = JSON.stringify({ clientId: 'custodian-e2e', clientSecret: 'e2e-client-secret' });
const field = (name: string, strategy: string, category = 'contact') => ({ name, category, strategy });

export interface Vendor {
  kind: VendorKind;
  secret: string;
  settings: Record<string, string | string[]>;
  capabilities: string[];
  fields: ReturnType<typeof field>[];
  /** The subject's id in the vendor, and its records there (object -> id -> record). */
  subject(ecifId: string): { localId: string; records: Record<string, Record<string, Record<string, unknown>>> };
  /** Where the vendor keeps the subject's records after all: one entry per object the subject is in. */
  held(a: VendorApi, localId: string): (Record<string, unknown> | undefined)[];
  /** What the access report shows of the record, and what an erasure left (undefined: the record is gone). */
  seen: Record<string, unknown>;
  erased?: Record<string, unknown>;
  optedOut?: (a: VendorApi, ecifId: string, localId: string) => boolean;
}

export const vendors: Vendor[] = [
  {
    kind: 'salesforce',
    secret: oauth,
    settings: { apiVersion: '60.0' },
    capabilities: ['erase', 'verify', 'access', 'opt_out'],
    fields: [
      field('FirstName', 'redact', 'identity'),
      field('Email', 'hash'),
      field('Phone', 'mask'),
      field('Description', 'null', 'other'),
    ],
    subject: (id) => ({
      localId: `0035e00000${id.replace(/-/g, '')}AAA`.slice(0, 18),
      records: {
        Contact: {
          [`0035e00000${id.replace(/-/g, '')}AAA`.slice(0, 18)]: {
            FirstName: 'Ada',
            Email: emailOf(id),
            Phone: '+442079460000',
            Description: 'prefers calls',
            HasOptedOutOfEmail: false,
          },
        },
      },
    }),
    held: (a, id) => [a.store.get('Contact')?.get(id)],
    seen: { Contact: { FirstName: 'Ada', Phone: '+442079460000' } },
    erased: { FirstName: '[REDACTED]', Phone: '***********00', Description: null },
    optedOut: (a, _, id) => a.store.get('Contact')?.get(id)?.HasOptedOutOfEmail === true,
  },
  {
    kind: 'dynamics365',
    secret: oauth,
    settings: {},
    capabilities: ['erase', 'verify', 'access', 'opt_out'],
    fields: [field('firstname', 'redact', 'identity'), field('emailaddress1', 'hash'), field('telephone1', 'mask')],
    subject: (id) => {
      const guid = `7f2b6a3e-2c1d-4e5f-8a9b-${createHash('sha1').update(id).digest('hex').slice(0, 12)}`;
      return {
        localId: guid,
        records: {
          contacts: {
            [guid]: {
              firstname: 'Ada',
              emailaddress1: emailOf(id),
              telephone1: '+442079460000',
              donotemail: false,
              donotbulkemail: false,
            },
          },
        },
      };
    },
    held: (a, id) => [a.store.get('contacts')?.get(id)],
    seen: { contacts: { firstname: 'Ada', telephone1: '+442079460000' } },
    erased: { firstname: '[REDACTED]', telephone1: '***********00' },
    optedOut: (a, _, id) => a.store.get('contacts')?.get(id)?.donotbulkemail === true,
  },
  {
    kind: 'hubspot',
    secret: 'pat-e2e-private-app-token',
    settings: { subscriptionId: '12345' },
    capabilities: ['erase', 'verify', 'access', 'opt_out'],
    fields: [field('firstname', 'redact', 'identity'), field('email', 'hash'), field('phone', 'mask')],
    subject: (id) => ({
      localId: String(900 + Number(id.replace(/\D/g, ''))),
      records: {
        contact: {
          [String(900 + Number(id.replace(/\D/g, '')))]: {
            firstname: 'Ada',
            email: emailOf(id),
            phone: '+442079460000',
          },
        },
      },
    }),
    held: (a, id) => [a.store.get('contact')?.get(id)],
    seen: { contact: { firstname: 'Ada', phone: '+442079460000' } },
    optedOut: (a, ecifId) => a.store.get('unsubscribed')?.has(`${emailOf(ecifId)}|12345`) === true,
  },
  {
    kind: 'mailchimp',
    secret: JSON.stringify({ username: 'custodian', password: 'e2e-key-us21' }),
    settings: { listIds: ['a1b2c3d4e5', 'f6g7h8i9j0'] },
    capabilities: ['erase', 'verify', 'access', 'opt_out'],
    fields: [field('FNAME', 'redact', 'identity'), field('email_address', 'hash')],
    subject: (id) => {
      const member = { email_address: emailOf(id), status: 'subscribed', merge_fields: { FNAME: 'Ada' } };
      return {
        localId: md5(emailOf(id)),
        records: { a1b2c3d4e5: { [md5(emailOf(id))]: member }, f6g7h8i9j0: { [md5(emailOf(id))]: member } },
      };
    },
    held: (a, id) => [a.store.get('a1b2c3d4e5')?.get(id), a.store.get('f6g7h8i9j0')?.get(id)],
    seen: { 'member:a1b2c3d4e5': { FNAME: 'Ada' }, 'member:f6g7h8i9j0': { FNAME: 'Ada' } },
    optedOut: (a, _, id) =>
      ['a1b2c3d4e5', 'f6g7h8i9j0'].every((list) => a.store.get(list)?.get(id)?.status === 'unsubscribed'),
  },
  {
    kind: 'stripe',
    secret: 'rk_test_e2e',
    settings: {},
    capabilities: ['erase', 'verify', 'access'],
    fields: [field('name', 'redact', 'identity'), field('email', 'hash'), field('phone', 'null')],
    subject: (id) => ({
      localId: `cus_${id.replace(/-/g, '')}`,
      records: {
        customer: {
          [`cus_${id.replace(/-/g, '')}`]: { name: 'Ada Lovelace', email: emailOf(id), phone: '+442079460000' },
        },
      },
    }),
    held: (a, id) => {
      const row = a.store.get('customer')?.get(id);
      return [row?.deleted ? undefined : row];
    },
    seen: { customer: { name: 'Ada Lovelace', phone: '+442079460000' } },
  },
];

/** A request's view once it has left `received` and `in_progress` (polled as the operator). */
export async function settledRequest<V>(api: ReturnType<typeof contractClient>, token: string, id: string): Promise<V> {
  for (let i = 0; i < 400; i++) {
    const r = await api('GET', `/v1/privacy-requests/${id}`, { token });
    if (!['received', 'in_progress'].includes(r.body.status)) return r.body;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error('the request did not settle');
}
