/** GET /v1/reports/ropa?format=json|csv (operator, auditor): the record of processing activities (GDPR Art. 30). */
import { z } from 'zod';
import { recordOfProcessing, ropaCsv } from '#core/reports/ropa.ts';
import { config } from '#functions/config.ts';
import { httpRoute } from '../middleware/http-route.ts';

const party = z.string().nullable();
const activity = z.looseObject({
  id: z.string(),
  name: z.string(),
  purposes: z.array(z.string()),
  legalBases: z.array(z.string()),
  subjects: z.array(z.string()),
  dataCategories: z.array(z.string()),
  recipients: z.array(z.string()),
  transfers: z.array(z.looseObject({ to: z.string(), safeguard: z.string() })),
  retention: z.array(z.string()),
  systems: z.array(z.string()),
  gaps: z.array(z.string()),
});

export const handler = httpRoute(
  'ropa',
  {
    summary: 'The record of processing activities (GDPR Art. 30)',
    description:
      "Generated from the consent catalog's purposes, each connected system's fields, processing and retention rules, and the controller and DPO contact from configuration (CONTROLLER_NAME, CONTROLLER_CONTACT, DPO_CONTACT): controller, purposes, categories of subjects and data, recipients, transfers, time limits for erasure, security measures. `gaps` names what a system's registration does not yet say. `format=csv` answers text/csv, one row per activity.",
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
    responses: {
      200: z.looseObject({
        format: z.literal('custodian-ropa/1'),
        generatedAt: z.iso.datetime({ offset: true }),
        controller: z.looseObject({ name: party, contact: party }),
        dpo: z.looseObject({ contact: party }),
        activities: z.array(activity),
        securityMeasures: z.array(z.string()),
      }),
    },
    responseMediaTypes: ['application/json', 'text/csv'],
  },
  async ({ query, deps }) => {
    const env = config();
    const record = recordOfProcessing(
      await deps.systems.list(),
      {
        controller: { name: env.CONTROLLER_NAME ?? null, contact: env.CONTROLLER_CONTACT ?? null },
        dpoContact: env.DPO_CONTACT ?? null,
      },
      deps.clock.now(),
    );
    if (query.format === 'csv') {
      return {
        raw: ropaCsv(record),
        headers: {
          'content-type': 'text/csv; charset=utf-8',
          'content-disposition': 'attachment; filename="record-of-processing.csv"',
        },
      };
    }
    return { body: record };
  },
);
