/** GET /v1/ecif/customers/{ecifId} (steward, operator): the golden record and its cross-references, audited. */
import { z } from 'zod';
import { ecifIdSchema } from '#core/ecif/customer.ts';
import { readGoldenRecord } from '#core/ecif/read-customer.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { goldenRecordResponse } from './responses.ts';

export const handler = httpRoute(
  'get-ecif-customer',
  {
    summary: 'The golden record a steward maintains (each read audited)',
    params: z.strictObject({ ecifId: ecifIdSchema }),
    responses: { 200: goldenRecordResponse },
  },
  async ({ params, actor, deps }) => ({ body: await readGoldenRecord(deps, params.ecifId, actor) }),
);
