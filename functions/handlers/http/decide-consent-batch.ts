/** POST /v1/consent-decisions/batch (crm): a campaign list, up to 10,000 subjects, one purpose and channel. */
import { z } from 'zod';
import { channels, purposes } from '#core/consent/catalog.ts';
import { subjectRefSchema } from '#core/consent/consent.ts';
import { decideBatch } from '#core/consent/decide-consent.ts';
import { decisionReasons } from '#core/consent/decide.ts';
import { httpRoute } from '../middleware/http-route.ts';

const body = z.strictObject({
  purpose: z.enum(purposes),
  channel: z.enum(channels),
  jurisdiction: z.enum(['GDPR', 'CCPA']).default('GDPR'),
  subjects: z.array(subjectRefSchema).min(1).max(10_000),
});

export const handler = httpRoute(
  'decide-consent-batch',
  {
    summary: 'Decide for a campaign list: up to 10,000 subjects, each answered with its reason and a signed token',
    body,
    responses: {
      200: z.looseObject({
        decidedAt: z.iso.datetime(),
        items: z.array(
          z.looseObject({ decision: z.enum(['allow', 'deny']), reason: z.enum(decisionReasons), token: z.string() }),
        ),
      }),
    },
  },
  async ({ body: input, deps }) => {
    const { decidedAt, items } = await decideBatch(deps, input);
    // The shared instant is said once; each item keeps subject, answer, evidence and token.
    return { body: { decidedAt, items: items.map(({ decidedAt: _at, ...item }) => item) } };
  },
);
