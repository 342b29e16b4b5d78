/**
 * GET /v1/subjects/{ecifId}/consents[?asOf=<RFC 3339>]: the current state (the projection and the
 * flags), or the state at an instant rebuilt from the ledger (choices and flags) with the evidence
 * event of each entry and of each flag.
 */
import { z } from 'zod';
import { replay } from '#core/consent/history.ts';
import { isFlagEvent, type ConsentEvent, type LedgerEvent } from '#core/consent/consent.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { assertMaySee, instant, subjectParams } from './subject-access.ts';

const consentEntry = z.looseObject({
  purpose: z.string(),
  channel: z.string(),
  state: z.string(),
  eventId: z.string(),
  capturedAt: z.string(),
});

export const handler = httpRoute(
  'get-subject-consents',
  {
    summary: "A subject's consents now, or as of an instant (rebuilt from the ledger)",
    params: subjectParams,
    query: z.strictObject({ asOf: instant.optional() }),
    responses: {
      200: z.looseObject({
        ecifId: z.string(),
        consents: z.array(consentEntry),
        flags: z.record(z.string(), z.boolean()),
        /** As of an instant: the event each flag's value rests on (a flag never set has none). */
        flagEvents: z.record(z.string(), z.looseObject({ eventId: z.string(), capturedAt: z.string() })).optional(),
        asOf: z.string().optional(),
      }),
    },
  },
  async ({ params, query, actor, deps }) => {
    assertMaySee(actor, params.ecifId);
    if (!query.asOf) {
      const { states, flags } = await deps.consent.current(params.ecifId);
      return { body: { ecifId: params.ecifId, consents: states, flags } };
    }
    const events: LedgerEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await deps.consent.history(params.ecifId, { until: query.asOf, cursor, limit: 1000 });
      events.push(...page.items);
      cursor = page.next;
    } while (cursor);
    const byId = new Map(events.flatMap((e) => (isFlagEvent(e) ? [] : [[e.eventId, e] as const])));
    const { states, flags, flagEvents } = replay(events, query.asOf);
    return {
      body: {
        ecifId: params.ecifId,
        asOf: query.asOf,
        // Each entry with the event it rests on: method, evidence, lawful basis, notice, receipt.
        consents: states.map((c) => {
          const { ecifId: _e, ...evidence } = byId.get(c.eventId) as ConsentEvent;
          return { ...c, evidence };
        }),
        flags,
        flagEvents: Object.fromEntries(Object.entries(flagEvents).map(([flag, { ecifId: _e, ...e }]) => [flag, e])),
      },
    };
  },
);
