/** POST /v1/privacy-requests: anyone may ask; a signed-in customer is verified by the login. */
import { z } from 'zod';
import { requestInputSchema } from '#core/requests/request.ts';
import { submitRequest } from '#core/requests/submit-request.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { requestView } from './privacy-request-view.ts';
import { privacyRequestResponse } from './responses.ts';

const headers = z.object({ 'idempotency-key': z.string().min(8).max(200).regex(/^[\x21-\x7e]+$/).optional() });

export const handler = httpRoute(
  'submit-privacy-request',
  { summary: 'Submit a privacy request (anyone; a customer token verifies by login)', body: requestInputSchema, headers, responses: { 202: privacyRequestResponse } },
  async ({ body, actor, deps, headers: raw }) => {
  const { 'idempotency-key': key } = headers.parse(raw);
  const { request, replayed } = await submitRequest(deps, body, actor, key);
  return {
    status: 202,
    headers: { location: `/v1/privacy-requests/${request.id}`, ...(replayed ? { 'idempotent-replayed': 'true' } : {}) },
    body: requestView(request),
  };
});
