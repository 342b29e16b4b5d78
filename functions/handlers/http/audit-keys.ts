/** GET /v1/audit/keys: the public keys (JWKS) that check audit digests, verification results and export manifests offline. */
import { z } from 'zod';
import { NotFoundError } from '#core/shared/errors.ts';
import { httpRoute } from '../middleware/http-route.ts';

export const handler = httpRoute(
  'audit-keys',
  {
    summary: 'The public keys (JWKS) that verify audit signatures offline',
    description:
      'ECDSA P-256 (ES256) keys as JWKs: a digest, a verification result or an export manifest names its key by `kid`. ' +
      '`npm run audit:verify -- --keys keys.json` checks signatures with these alone.',
    responses: {
      200: z.looseObject({ keys: z.array(z.looseObject({ kty: z.literal('EC'), kid: z.string(), crv: z.string() })) }),
    },
  },
  async ({ deps }) => {
    if (!deps.auditSigner) throw new NotFoundError('this deployment signs nothing');
    return {
      body: { keys: await deps.auditSigner.publicKeys() },
      headers: { 'cache-control': 'public, max-age=3600' },
    };
  },
);
