/** The time range and filters the audit routes take, validated once. */
import { z } from 'zod';

const MAX_RANGE_DAYS = 366;
const time = z.iso.datetime({ offset: true });

export const auditRangeQuery = z
  .strictObject({
    from: time,
    to: time.optional(),
  })
  .transform((q) => ({ from: new Date(q.from).toISOString(), to: new Date(q.to ?? Date.now()).toISOString() }))
  .refine((r) => r.from < r.to, { message: '`from` must be before `to`', path: ['from'] })
  .refine((r) => Date.parse(r.to) - Date.parse(r.from) <= MAX_RANGE_DAYS * 86_400_000, {
    message: `at most ${MAX_RANGE_DAYS} days at once`,
    path: ['to'],
  });

export const auditEventsQuery = z
  .strictObject({
    from: time,
    to: time.optional(),
    requestId: z
      .string()
      .regex(/^[0-9A-Z]{26}$/)
      .optional(),
    ecifId: z
      .string()
      .regex(/^[A-Za-z0-9_-]{1,64}$/)
      .optional(),
    actor: z.string().min(1).max(128).optional(),
    action: z
      .string()
      .regex(/^[a-z_.]{1,64}$/)
      .optional(),
    cursor: z.string().max(2000).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  })
  .transform(({ from, to, ...rest }) => ({ range: auditRangeQuery.parse({ from, to }), ...rest }));
