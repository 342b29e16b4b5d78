/** DELETE /v1/subjects/{ecifId}/legal-hold (operator): releases the hold and starts the erasures it held. */
import { releaseHold } from '#core/ecif/legal-hold.ts';
import { dueOnRelease, startFollowUps } from '#core/requests/follow-ups.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { legalHoldReleasedResponse } from './responses.ts';
import { subjectParams } from './subject-access.ts';

export const handler = httpRoute(
  'release-legal-hold',
  {
    summary: 'Release the legal hold on a subject; the erasures it held run now',
    params: subjectParams,
    responses: { 200: legalHoldReleasedResponse },
  },
  async ({ params, actor, deps }) => {
    const due = await dueOnRelease(deps, params.ecifId);
    const hold = await releaseHold(deps, params.ecifId, actor);
    // Should starting fail here, the scheduled job starts them: they are due from now.
    const erasuresStarted = await startFollowUps(deps, due);
    return { body: { ecifId: params.ecifId, released: true, reference: hold.reference, erasuresStarted } };
  },
);
