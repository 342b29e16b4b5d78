/** Microsoft Dynamics 365 (Dataverse Web API, OData v4): contacts and leads (docs/connectors.md). */
import type { RestDefinitionInput } from '../definition.ts';

type ObjectInput = RestDefinitionInput['objects'][number];

function entitySet(set: 'contacts' | 'leads', key: 'contactid' | 'leadid'): ObjectInput {
  const row = `/api/data/v9.2/${set}({{id}})`;
  return {
    name: set,
    read: { method: 'GET', path: row, query: { $select: `${key},donotemail,donotbulkemail,{{fields}}` } },
    search: [
      {
        by: 'email',
        request: {
          method: 'GET',
          path: `/api/data/v9.2/${set}`,
          query: { $filter: "emailaddress1 eq '{{email|odata}}'", $select: key },
        },
        results: 'value',
        id: key,
        pagination: { style: 'next_url', next: '@odata.nextLink' },
        maxPages: 5,
      },
    ],
    // If-Match: * makes the PATCH an update only: Dataverse would otherwise create a record that is not there.
    update: { method: 'PATCH', path: row, headers: { 'If-Match': '*' }, body: '{{changes}}' },
    delete: { method: 'DELETE', path: row },
    opt_out: {
      request: {
        method: 'PATCH',
        path: row,
        headers: { 'If-Match': '*' },
        body: { donotemail: true, donotbulkemail: true },
      },
      check: { path: 'donotbulkemail', equals: true },
    },
  };
}

export const dynamics365: RestDefinitionInput = {
  id: 'dynamics365',
  version: '1',
  title: 'Microsoft Dynamics 365 (Dataverse Web API: contacts, leads)',
  reference: 'https://learn.microsoft.com/power-apps/developer/data-platform/webapi/overview',
  // An app registration in Microsoft Entra ID, client credentials against the Microsoft identity platform.
  auth: {
    kind: 'oauth2_client_credentials',
    tokenUrl: '{{settings.tokenUrl}}',
    scope: '{{baseUrl}}/.default',
  },
  settings: [
    {
      name: 'tokenUrl',
      description: 'The tenant’s token endpoint',
      example: 'https://login.microsoftonline.com/<tenant-id>/oauth2/v2.0/token',
    },
  ],
  permissions: [
    'An app registration (client id and secret) in the tenant',
    'An application user in the Dataverse environment for it, with a security role granting Read and Write (Delete where fields are delete_row) on Contact and Lead',
  ],
  objects: [entitySet('contacts', 'contactid'), entitySet('leads', 'leadid')],
};
