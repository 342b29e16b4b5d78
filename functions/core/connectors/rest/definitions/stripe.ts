/** Stripe customers: found by id or by the search API, erased by the customer delete (docs/connectors.md). */
import type { RestDefinitionInput } from '../definition.ts';

export const stripe: RestDefinitionInput = {
  id: 'stripe',
  version: '1',
  title: 'Stripe (customers)',
  reference: 'https://docs.stripe.com/api/customers',
  // A restricted key (rk_...) as the bearer token.
  auth: { kind: 'bearer' },
  settings: [],
  permissions: ['A restricted API key with Customers: Write (read, search and delete customers)'],
  objects: [
    {
      name: 'customer',
      read: { method: 'GET', path: '/v1/customers/{{id}}' },
      // A deleted customer still answers, as {"id", "object": "customer", "deleted": true}.
      goneWhen: { path: 'deleted', equals: true },
      search: [
        {
          by: 'email',
          request: {
            method: 'GET',
            path: '/v1/customers/search',
            query: { query: "email:'{{email|quoted}}'", limit: '100' },
          },
          results: 'data',
          id: 'id',
          pagination: { style: 'cursor', cursor: 'next_page', param: 'page', in: 'query' },
          maxPages: 5,
        },
      ],
      delete: { method: 'DELETE', path: '/v1/customers/{{id}}' },
      // Stripe takes form-encoded bodies; a nested field goes as address[line1].
      rectify: { method: 'POST', path: '/v1/customers/{{id}}', bodyType: 'form', body: '{{changes}}' },
    },
  ],
};
