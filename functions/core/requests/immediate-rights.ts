/**
 * Rights that take effect at once, in consent, before any system hears of them: the opt-out of sale
 * and sharing (CCPA §1798.120, 11 CCR §7026), the limit on sensitive data (§1798.121, §7027), the
 * objection to direct marketing (GDPR Art. 21(2)-(3), absolute). The workflow then tells the systems.
 */
import type { ConsentFlags } from '../consent/consent.ts';
import type { ConsentLedger } from '../consent/ports.ts';
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import type { PrivacyRequest, RequestType } from './request.ts';

export const flagsFor: Partial<Record<RequestType, Partial<ConsentFlags>>> = {
  opt_out_sale_sharing: { optOutSale: true, optOutSharing: true },
  limit_sensitive: { limitSensitive: true },
  objection: { objectedDirectMarketing: true },
  restriction: { restricted: true },
};

export async function applyImmediateRight(
  deps: { consent: ConsentLedger; audit: AuditLog; clock: Clock },
  request: PrivacyRequest,
  actor: Actor,
): Promise<void> {
  const flags = flagsFor[request.type];
  if (!flags || !request.ecifId) return;
  await deps.consent.setFlags(request.ecifId, flags, deps.clock.now().toISOString(), { requestId: request.id });
  await deps.audit.append({
    stream: `request:${request.id}`,
    actor,
    action: 'request.consent_flags_set',
    target: { requestId: request.id, ecifId: request.ecifId },
    details: { flags: Object.keys(flags) },
  });
}
