/**
 * GET /v1/privacy-requests/{id}/report?format=json|csv: a link to the access/portability report that
 * expires in 15 minutes, for the verified requester only (the customer it is for, or the requester with
 * its key). Every download link given out is audited.
 */
import { z } from 'zod';
import { NotFoundError } from '#core/shared/errors.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { reachableRequest, requestParams, requesterKeyHeader } from './privacy-request-access.ts';

const LINK_SECONDS = 15 * 60;

export const handler = httpRoute(
  'get-privacy-request-report',
  {
    summary: 'A short-lived link to the report of an access or portability request (the verified requester)',
    params: requestParams,
    query: z.strictObject({ format: z.enum(['json', 'csv']).default('json') }),
    headers: requesterKeyHeader,
    responses: { 200: z.looseObject({ url: z.url(), format: z.enum(['json', 'csv']), expiresAt: z.iso.datetime() }) },
  },
  async ({ params, query, actor, deps, headers }) => {
    const request = await reachableRequest(deps, params.id, actor, headers);
    // Only the verified requester: the same "not found" for a report not (yet) there.
    if (!request.report || request.verification.state !== 'verified')
      throw new NotFoundError('no report for this request');
    const url = await deps.reports.downloadUrl(request.report[query.format], LINK_SECONDS);
    const expiresAt = new Date(deps.clock.now().getTime() + LINK_SECONDS * 1000).toISOString();
    await deps.audit.append({
      stream: `request:${request.id}`,
      actor,
      action: 'request.report_downloaded',
      target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}) },
      details: { format: query.format, linkExpiresAt: expiresAt },
    });
    return { body: { url, format: query.format, expiresAt } };
  },
);
