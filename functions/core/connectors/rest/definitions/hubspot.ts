/**
 * HubSpot CRM v3 contacts, with the GDPR delete and the email subscription status (docs/connectors.md).
 * Version 2 also searches by phone and reads the rate-limit headers; version 1 stays for the systems registered with it.
 */
import type { RestDefinitionInput } from '../definition.ts';

const contact = '/crm/v3/objects/contacts/{{id}}';

type Search = NonNullable<RestDefinitionInput['objects'][number]['search']>[number];

/** The contact search on one property (`email`, `phone`), paged by the `after` cursor in the body. */
const search = (by: 'email' | 'phone'): Search => ({
  by,
  request: {
    method: 'POST',
    path: '/crm/v3/objects/contacts/search',
    // HubSpot's description makes every member required: the first page's cursor is "0".
    body: {
      filterGroups: [{ filters: [{ propertyName: by, operator: 'EQ', value: `{{${by}}}` }] }],
      properties: ['email'],
      sorts: [],
      limit: 100,
      after: '0',
    },
  },
  results: 'results',
  id: 'id',
  pagination: { style: 'cursor', cursor: 'paging.next.after', param: 'after', in: 'body' },
  maxPages: 5,
});

export const hubspotV1: RestDefinitionInput = {
  id: 'hubspot',
  version: '1',
  title: 'HubSpot CRM (contacts, CRM API v3)',
  reference: 'https://developers.hubspot.com/docs/api/crm/contacts',
  // A private app's access token (a bearer token); an OAuth app's token works the same way.
  auth: { kind: 'bearer' },
  settings: [
    {
      name: 'subscriptionId',
      description:
        'The email subscription type an opt-out unsubscribes the contact from (Settings > Marketing > Email > Subscription types)',
      required: false,
      example: '12345',
    },
  ],
  permissions: [
    'crm.objects.contacts.read',
    'crm.objects.contacts.write (PATCH for rectification; the GDPR delete needs it too)',
    'communication_preferences.read_write (opt-out and its read-back)',
  ],
  objects: [
    {
      name: 'contact',
      read: { method: 'GET', path: contact, query: { properties: 'email,{{fields}}' } },
      fieldsAt: 'properties',
      search: [search('email')],
      // The GDPR delete removes the contact and blocks its email from coming back.
      delete: { method: 'POST', path: '/crm/v3/objects/contacts/gdpr-delete', body: { objectId: '{{id}}' } },
      rectify: { method: 'PATCH', path: contact, body: '{{changes}}' },
      opt_out: {
        request: {
          method: 'POST',
          path: '/communication-preferences/v3/unsubscribe',
          body: {
            emailAddress: '{{record.properties.email}}',
            subscriptionId: '{{settings.subscriptionId}}',
            legalBasis: 'LEGITIMATE_INTEREST_OTHER',
            legalBasisExplanation: 'Opt-out requested by the data subject',
          },
        },
        check: {
          request: { method: 'GET', path: '/communication-preferences/v3/status/email/{{record.properties.email}}' },
          path: 'subscriptionStatuses[id={{settings.subscriptionId}}].status',
          equals: 'NOT_SUBSCRIBED',
        },
      },
    },
  ],
};

/** Version 2: a contact is found by phone as well as by email. */
export const hubspot: RestDefinitionInput = {
  ...hubspotV1,
  version: '2',
  // A private app's burst window: the calls left in it, and the window's length.
  rateLimit: {
    remaining: 'X-HubSpot-RateLimit-Remaining',
    reset: 'X-HubSpot-RateLimit-Interval-Milliseconds',
    resetIn: 'milliseconds',
  },
  objects: hubspotV1.objects.map((o) => ({ ...o, search: [search('email'), search('phone')] })),
};
