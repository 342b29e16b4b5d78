/** GET /v1/systems: the systems registry, as operators and auditors see it. */
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute('list-systems', {}, async ({ deps }) => ({ body: { items: await deps.systems.list() } }));
