/** GET /v1/consents/receipts/{receiptId}: a capture's Kantara v1.1 consent receipt, later. A customer sees only its own. */
import { z } from 'zod';
import { NotFoundError } from '#core/shared/errors.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { maySee } from './subject-access.ts';

export const handler = httpRoute(
  'get-consent-receipt',
  {
    summary: 'A consent receipt (Kantara Consent Receipt v1.1 fields) by its id',
    params: z.object({ receiptId: z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a receipt id is a ULID') }),
    responses: {
      200: z.looseObject({
        version: z.literal('KI-CR-v1.1.0'),
        consentReceiptID: z.string(),
        piiPrincipalId: z.string(),
        services: z.array(z.looseObject({})),
      }),
    },
  },
  async ({ params, actor, deps }) => {
    const held = await deps.consent.receipt(params.receiptId);
    // Another customer's receipt is answered as an unknown one: whether it exists does not leak.
    if (!held || !maySee(actor, held.ecifId)) throw new NotFoundError('no such receipt');
    return { body: held.receipt };
  },
);
