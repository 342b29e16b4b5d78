import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditLog } from '../audit/ports.ts';
import { identityKeysOf, type IdentityHasher } from '../ecif/identifiers.ts';
import type { Actor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import { newId } from '../shared/ids.ts';
import { deadlinesFor } from './deadlines.ts';
import type { RequestStore, RequestWorkflow } from './ports.ts';
import { supportedRequestTypes, type PrivacyRequest, type RequestInput } from './request.ts';
import { InvalidInputError } from '../shared/errors.ts';

export interface SubmitDeps {
  requests: RequestStore;
  workflow: RequestWorkflow;
  audit: AuditLog;
  hash: IdentityHasher;
  clock: Clock;
}

export async function submitRequest(
  deps: SubmitDeps,
  input: RequestInput,
  requester: Actor,
  idempotencyKey?: string,
): Promise<{ request: PrivacyRequest; replayed: boolean }> {
  if (!supportedRequestTypes.includes(input.type)) {
    throw new InvalidInputError(`requests of type ${input.type} are not handled yet`, { supported: supportedRequestTypes });
  }
  const received = deps.clock.now();
  const { ackDueAt, dueAt } = deadlinesFor(input.jurisdiction, received);
  // A signed-in customer whose token names its ecifId is verified by that login.
  const byLogin = requester.role === 'customer';
  const request: PrivacyRequest = {
    id: newId(received),
    type: input.type,
    jurisdiction: input.jurisdiction,
    channel: input.channel,
    status: 'received',
    identityKeys: identityKeysOf(input.identifiers, deps.hash),
    ...(byLogin ? { ecifId: requester.principal } : {}),
    verification: byLogin ? { state: 'verified', method: 'login' } : { state: 'pending', method: 'pending-placeholder' },
    receivedAt: received.toISOString(),
    ackDueAt: ackDueAt.toISOString(),
    dueAt: dueAt.toISOString(),
    updatedAt: received.toISOString(),
  };
  const claim = idempotencyKey
    ? {
        keyHash: sha256(`${requester.role}:${requester.principal}:${idempotencyKey}`),
        bodyHash: sha256(canonicalize(input) ?? ''),
      }
    : undefined;
  const created = await deps.requests.create(request, claim);
  if (!created.replayed) {
    await deps.audit.append({
      stream: `request:${request.id}`,
      actor: requester,
      action: 'request.received',
      target: { requestId: request.id },
      details: {
        type: request.type,
        jurisdiction: request.jurisdiction,
        channel: request.channel,
        identifierKinds: request.identityKeys.map((k) => k.kind),
        verification: request.verification.state,
        dueAt: request.dueAt,
      },
    });
  }
  // Also on a replay: the first attempt may have stored the request and died before starting it.
  await deps.workflow.start(created.request.id);
  return created;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
