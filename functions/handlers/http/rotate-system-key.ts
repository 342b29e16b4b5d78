/** POST /v1/systems/{systemId}/signing-key: a new key for a system Custodian issued one to, shown once. */
import { z } from 'zod';
import { rotateSystemKey } from '#core/connectors/register-system.ts';
import { systemIdSchema } from '#core/ecif/customer.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { rotatedKeyResponse } from './responses.ts';

export const handler = httpRoute(
  'rotate-system-key',
  {
    summary:
      'Issue a system a new signing key (operator), shown once; the key it replaces stays valid until the next rotation',
    params: z.object({ systemId: systemIdSchema }),
    responses: { 200: rotatedKeyResponse },
  },
  async ({ params, actor, deps }) => ({ body: await rotateSystemKey(deps, params.systemId, actor) }),
);
