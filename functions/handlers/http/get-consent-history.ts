/** GET /v1/subjects/{ecifId}/consents/history: the ledger (choices and flags), oldest first, paged with an opaque cursor. */
import { z } from 'zod';
import { httpRoute } from '../middleware/http-route.ts';
import { assertMaySee, instant, subjectParams } from './subject-access.ts';

export const handler = httpRoute(
  'get-consent-history',
  {
    summary: "A subject's consent ledger (immutable events), oldest first",
    params: subjectParams,
    query: z.strictObject({
      until: instant.optional(),
      cursor: z.string().max(2000).optional(),
      limit: z.coerce.number().int().min(1).max(500).default(100),
    }),
    responses: {
      200: z.looseObject({
        // A choice (purpose, channel, state) or a flag set or cleared (kind `flag`, flag, value, cause).
        items: z.array(
          z.union([
            z.looseObject({ eventId: z.string(), capturedAt: z.string(), state: z.string() }),
            z.looseObject({
              kind: z.literal('flag'),
              eventId: z.string(),
              capturedAt: z.string(),
              flag: z.string(),
              value: z.boolean(),
            }),
          ]),
        ),
        next: z.string().optional(),
      }),
    },
  },
  async ({ params, query, actor, deps }) => {
    assertMaySee(actor, params.ecifId);
    return { body: await deps.consent.history(params.ecifId, query) };
  },
);
