/** GET /v1/connector-definitions: the shipped rest definitions a system may name, every version kept, with what each can do. */
import { capabilitiesOf } from '#core/connectors/rest/definition.ts';
import { shippedDefinitions, shippedVersions } from '#core/connectors/rest/shipped.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { connectorDefinitionsResponse } from './responses.ts';

export const handler = httpRoute(
  'list-connector-definitions',
  {
    summary: 'The shipped REST connector definitions (operator, auditor)',
    responses: { 200: connectorDefinitionsResponse },
  },
  async () => ({
    // Every shipped version: a registered system may run on an older one; `latest` is what a new registration pins.
    body: {
      items: shippedVersions.map((d) => ({
        ...d,
        latest: shippedDefinitions[d.id] === d,
        capabilities: capabilitiesOf(d),
      })),
    },
  }),
);
