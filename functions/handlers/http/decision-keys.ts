/** GET /v1/consent-decisions/keys: the public keys (JWKS) that check decision tokens. */
import { z } from 'zod';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'decision-keys',
  {
    summary: 'The public keys (JWKS) that verify decision tokens',
    responses: { 200: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string(), kid: z.string() })) }) },
  },
  async ({ deps }) => ({ body: deps.decisionSigner.jwks(), headers: { 'cache-control': 'public, max-age=3600' } }),
);
