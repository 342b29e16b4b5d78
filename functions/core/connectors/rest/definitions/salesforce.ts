/** Salesforce REST API: Contact and Lead, by id or by SOQL on email (docs/connectors.md). */
import type { RestDefinitionInput } from '../definition.ts';

type ObjectInput = RestDefinitionInput['objects'][number];

function sobject(name: 'Contact' | 'Lead'): ObjectInput {
  const row = `/services/data/v{{settings.apiVersion}}/sobjects/${name}/{{id}}`;
  return {
    name,
    read: { method: 'GET', path: row, query: { fields: 'Id,HasOptedOutOfEmail,{{fields}}' } },
    search: [
      {
        by: 'email',
        request: {
          method: 'GET',
          path: '/services/data/v{{settings.apiVersion}}/query',
          query: { q: `SELECT Id FROM ${name} WHERE Email = '{{email|quoted}}'` },
        },
        results: 'records',
        id: 'Id',
        pagination: { style: 'next_url', next: 'nextRecordsUrl' },
        maxPages: 5,
      },
    ],
    // Masking by default; a field registered `delete_row` deletes the record (the recycle bin keeps it 15 days).
    update: { method: 'PATCH', path: row, body: '{{changes}}' },
    delete: { method: 'DELETE', path: row },
    opt_out: {
      request: { method: 'PATCH', path: row, body: { HasOptedOutOfEmail: true } },
      check: { path: 'HasOptedOutOfEmail', equals: true },
    },
  };
}

export const salesforce: RestDefinitionInput = {
  id: 'salesforce',
  version: '1',
  title: 'Salesforce (REST API: Contact, Lead)',
  reference: 'https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/',
  // A connected app with the client credentials flow enabled and a run-as user.
  auth: { kind: 'oauth2_client_credentials', tokenUrl: '{{baseUrl}}/services/oauth2/token' },
  settings: [{ name: 'apiVersion', description: 'The REST API version, without the v', example: '60.0' }],
  permissions: [
    'A connected app with "Enable Client Credentials Flow" and a run-as user',
    'The run-as user: API Enabled; Read and Edit on Contact and Lead (Delete too where fields are delete_row); field-level edit on every registered field and HasOptedOutOfEmail',
  ],
  objects: [sobject('Contact'), sobject('Lead')],
};
