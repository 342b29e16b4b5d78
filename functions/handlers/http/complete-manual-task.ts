/** POST /v1/privacy-requests/{id}/systems/{systemId}/complete (operator): closes a manual system's task, with evidence. */
import { completeManualTask, manualCompletionSchema } from '#core/requests/awaited-systems.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestParams, systemIdParam } from './privacy-request-access.ts';
import { systemOutcomeResponse } from './responses.ts';

export const handler = httpRoute(
  'complete-manual-task',
  {
    summary: 'Attest a manual system’s step done (or not possible, with the reason): the workflow goes on',
    params: requestParams.extend({ systemId: systemIdParam }),
    body: manualCompletionSchema,
    responses: { 200: systemOutcomeResponse.partial().required({ systemId: true, state: true }) },
  },
  async ({ params, body, actor, deps }) => ({
    body: await completeManualTask(deps, params.id, params.systemId, body, actor),
  }),
);
