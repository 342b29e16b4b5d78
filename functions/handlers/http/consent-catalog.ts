/** GET /v1/consent/catalog: the purposes (model per jurisdiction), channels and current notices. */
import { z } from 'zod';
import { catalogView } from '#core/consent/catalog.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'consent-catalog',
  {
    summary: 'The consent catalog: purposes with their model per jurisdiction, channels, current notices',
    responses: {
      200: z.looseObject({
        purposes: z.array(z.looseObject({ purpose: z.string() })),
        channels: z.array(z.string()),
        notices: z.array(z.looseObject({ id: z.string(), version: z.string(), textHash: z.string() })),
      }),
    },
  },
  async () => ({ body: catalogView(), headers: { 'cache-control': 'public, max-age=300' } }),
);
