/**
 * A request as it is received, however it came (submitted, an opt-out pushed on from consent, a
 * follow-up erasure): stamped with the instant and the statutory deadlines that run from it, and
 * the first event of its trail.
 */
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import { deadlinesFor, type Holidays } from './deadlines.ts';
import type { PrivacyRequest } from './request.ts';

/** What the way it came decides; the instant and the deadlines are added here. */
export type ReceivedFields = Omit<PrivacyRequest, 'receivedAt' | 'ackDueAt' | 'dueAt' | 'updatedAt'>;

export function receivedRequest(fields: ReceivedFields, received: Date, holidays: Holidays): PrivacyRequest {
  const at = received.toISOString();
  const { ackDueAt, dueAt } = deadlinesFor(fields.jurisdiction, received, holidays);
  return { ...fields, receivedAt: at, ackDueAt: ackDueAt.toISOString(), dueAt: dueAt.toISOString(), updatedAt: at };
}

/**
 * `request.received`, the first event of the request's stream: its type, jurisdiction, channel, how
 * it is verified and when it is due, with what the way it came adds (kinds and ids, never values).
 */
export function recordReceived(
  deps: { audit: AuditLog },
  request: PrivacyRequest,
  actor: Actor,
  details: Record<string, unknown>,
  target: { ecifId?: string } = request.ecifId ? { ecifId: request.ecifId } : {},
) {
  return deps.audit.append({
    stream: `request:${request.id}`,
    actor,
    action: 'request.received',
    target: { requestId: request.id, ...target },
    details: {
      type: request.type,
      jurisdiction: request.jurisdiction,
      channel: request.channel,
      verification: request.verification.method,
      ...details,
      dueAt: request.dueAt,
    },
  });
}
