/**
 * Who may reach a request: operators and auditors any; a customer only its own; an anonymous
 * requester only with the key it was given at submission (`x-requester-key`). Anything else answers
 * exactly like a missing request, so existence does not leak.
 */
import { z } from 'zod';
import { systemIdSchema } from '#core/ecif/customer.ts';
import type { PrivacyRequest } from '#core/requests/request.ts';
import { requesterKeyMatches } from '#core/requests/verification.ts';
import type { Actor } from '#core/shared/actor.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import type { Deps } from '../deps.ts';

const requestId = z.string().regex(/^[0-9A-HJKMNP-TV-Z]{26}$/, 'a request id is a ULID');
export const requestParams = z.object({ id: requestId });
export const systemIdParam = systemIdSchema;
/** A callback names the request and the system whose step it answers. */
export const callbackParams = z.object({ requestId, systemId: systemIdSchema });
export const requesterKeyHeader = z.object({ 'x-requester-key': z.string().min(16).max(100).optional() });

export async function reachableRequest(
  deps: Deps,
  id: string,
  actor: Actor,
  headers: Record<string, string | undefined>,
): Promise<PrivacyRequest> {
  const request = await deps.requests.get(id);
  const key = requesterKeyHeader.safeParse(headers).data?.['x-requester-key'];
  const reachable =
    request &&
    (actor.role === 'operator' ||
      actor.role === 'auditor' ||
      (actor.role === 'customer' && request.ecifId === actor.principal && request.verification.state === 'verified') ||
      (actor.role === 'anonymous' &&
        !!key &&
        requesterKeyMatches(deps.requestKey, request.id, key, request.requesterKeyHash)));
  if (!reachable) throw new NotFoundError('no such request');
  return request;
}
