/** GET /openapi.json: the document `npm run openapi` generated from the route table and its schemas (a test keeps it current). */
import document from '../../../docs/openapi.json' with { type: 'json' };
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute('openapi', { summary: 'This API, as OpenAPI 3.1' }, async () => ({
  body: document,
  headers: { 'cache-control': 'public, max-age=300' },
}));
