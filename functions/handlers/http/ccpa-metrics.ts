/** GET /v1/reports/ccpa-metrics?year=2026&format=json|csv (operator, auditor): the 11 CCR §7102 figures of a calendar year. */
import { z } from 'zod';
import { ccpaMetrics, ccpaMetricsCsv } from '#core/reports/ccpa-metrics.ts';
import { httpRoute } from '../middleware/http-route.ts';

const rightFigures = z.looseObject({
  received: z.number().int(),
  complied: z.number().int(),
  compliedInWhole: z.number().int(),
  compliedInPart: z.number().int(),
  denied: z.number().int(),
  deniedByReason: z.record(z.string(), z.number().int()),
  withdrawn: z.number().int(),
  open: z.number().int(),
  medianDaysToRespond: z.number().nullable(),
  meanDaysToRespond: z.number().nullable(),
});

export const handler = httpRoute(
  'ccpa-metrics',
  {
    summary:
      'CCPA metrics of a calendar year (11 CCR §7102): requests received, complied with, denied, days to respond',
    description:
      'Per right (know, delete, correct, opt out of sale/sharing, limit): CCPA requests received in the year (UTC), complied with in whole or in part, denied by reason, withdrawn, still open, and the median and mean days to a substantive response. `format=csv` answers text/csv, one row per figure.',
    query: z.strictObject({
      year: z.coerce.number().int().min(2020).max(2100),
      format: z.enum(['json', 'csv']).default('json'),
    }),
    responses: {
      200: z.looseObject({
        format: z.literal('custodian-ccpa-metrics/1'),
        year: z.number().int(),
        generatedAt: z.iso.datetime({ offset: true }),
        rights: z.record(z.string(), rightFigures),
      }),
    },
    responseMediaTypes: ['application/json', 'text/csv'],
  },
  async ({ query, deps }) => {
    const metrics = await ccpaMetrics(deps.requestFigures, query.year, deps.clock.now());
    if (query.format === 'csv') {
      return {
        raw: ccpaMetricsCsv(metrics),
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': `attachment; filename="ccpa-metrics-${query.year}.csv"`,
        },
      };
    }
    return { body: metrics };
  },
);
