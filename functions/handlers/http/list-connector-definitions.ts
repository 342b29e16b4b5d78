/** GET /v1/connector-definitions: the shipped rest definitions a system may name, with what each can do. */
import { capabilitiesOf } from '#core/connectors/rest/definition.ts';
import { shippedDefinitions } from '#core/connectors/rest/shipped.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { connectorDefinitionsResponse } from './responses.ts';

export const handler = httpRoute(
  'list-connector-definitions',
  {
    summary: 'The shipped REST connector definitions (operator, auditor)',
    responses: { 200: connectorDefinitionsResponse },
  },
  async () => ({
    body: { items: Object.values(shippedDefinitions).map((d) => ({ ...d, capabilities: capabilitiesOf(d) })) },
  }),
);
