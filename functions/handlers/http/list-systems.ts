/** GET /v1/systems: the systems registry, as operators and auditors see it. */
import { httpRoute } from '../middleware/http-route.ts';
import { systemsResponse } from './responses.ts';

export const handler = httpRoute(
  'list-systems',
  { summary: 'The systems registry', responses: { 200: systemsResponse } },
  async ({ deps }) => ({ body: { items: await deps.systems.list() } }),
);
