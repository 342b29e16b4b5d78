import type { AuditLog } from '../audit/ports.ts';
import type { EcifRegistry } from '../ecif/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { InvalidInputError, NotFoundError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import { propagateOptOut } from '../requests/propagate-opt-out.ts';
import { noticeVersion } from './catalog.ts';
import { isOptOutChoice, type ConsentChangePublisher } from './changes.ts';
import { consentReceipt, defaultController, type Controller } from './receipt.ts';
import type { CaptureInput, ConsentEvent } from './consent.ts';
import type { ConsentLedger } from './ports.ts';

export interface CaptureDeps {
  consent: ConsentLedger;
  ecif: EcifRegistry;
  audit: AuditLog;
  clock: Clock;
  /** Named in receipts. @default defaultController */
  controller?: Controller;
  /** Where `consent.changed` goes (absent: nowhere). */
  changes?: ConsentChangePublisher;
}

/** Records choices; giving and withdrawing are the same call with the same rights (GDPR Art. 7(3)). */
export async function captureConsent(
  deps: CaptureDeps,
  input: CaptureInput,
  actor: Actor,
  signals: { gpc?: boolean } = {},
) {
  const ecifId = actor.role === 'customer' ? actor.principal : input.ecifId;
  if (!ecifId)
    throw new InvalidInputError('ecifId is required when capturing on behalf of a customer', { field: 'ecifId' });
  if (actor.role === 'customer' && input.ecifId && input.ecifId !== actor.principal) {
    throw new NotFoundError('no such subject');
  }
  if (actor.role !== 'customer' && !input.evidence) {
    throw new InvalidInputError('evidence is required when capturing on behalf of a customer', { field: 'evidence' });
  }
  // The notice actually shown must be one the catalog knows: a grant is only as good as its notice.
  if (!noticeVersion(input.notice.id, input.notice.version)) {
    throw new InvalidInputError('the notice id and version are not in the consent catalog', { field: 'notice' });
  }
  const subject = await deps.ecif.getCustomer(ecifId);
  if (!subject || subject.status === 'erased') throw new NotFoundError('no such subject');

  const at = deps.clock.now();
  const receiptId = newId(at);
  const events: ConsentEvent[] = input.choices.map((c) => ({
    ecifId,
    eventId: newId(at),
    purpose: c.purpose,
    channel: c.channel,
    state: c.state,
    lawfulBasis: input.lawfulBasis,
    jurisdiction: input.jurisdiction,
    notice: input.notice,
    method: input.method,
    evidence: { ...input.evidence, actorRole: actor.role, actorId: actor.principal },
    capturedAt: at.toISOString(),
    ...(input.expiresAt ? { expiresAt: input.expiresAt } : {}),
    receiptId,
  }));
  await deps.consent.append(events);
  const receipt = consentReceipt(events, deps.controller ?? defaultController);
  await deps.consent.putReceipt(receiptId, ecifId, receipt);
  // A Global Privacy Control signal from the customer's own browser is an opt-out of sale and of
  // sharing (11 CCR §7025); sent on someone else's behalf it proves nothing about the customer. An
  // explicit refusal or withdrawal of sale or sharing is the same opt-out (§7026).
  const gpcHonored = signals.gpc === true && actor.role === 'customer';
  const optedOut = gpcHonored || input.choices.some(isOptOutChoice);
  const flags = optedOut ? { optOutSale: true, optOutSharing: true } : undefined;
  if (flags) await deps.consent.setFlags(ecifId, flags, at.toISOString(), { receiptId });
  await deps.audit.append({
    stream: `consent:${ecifId}`,
    actor,
    action: 'consent.captured',
    target: { ecifId },
    details: {
      receiptId,
      choices: input.choices,
      notice: input.notice,
      method: input.method,
      ...(gpcHonored ? { gpc: true } : {}),
    },
  });
  await deps.changes?.publish({
    type: 'consent.changed',
    ecifId,
    at: at.toISOString(),
    receiptId,
    choices: input.choices,
    ...(flags ? { flags } : {}),
  });
  return {
    optedOut,
    receiptId,
    ecifId,
    capturedAt: at.toISOString(),
    gpcHonored,
    events: events.map((e) => ({ eventId: e.eventId, purpose: e.purpose, channel: e.channel, state: e.state })),
    receipt,
  };
}

/**
 * POST /v1/consents as a whole: the choices recorded and, when they opt out of sale or sharing (or
 * the customer's browser sent Sec-GPC: 1), the opt-out pushed on to the systems that sell or share,
 * as an opt-out request. It takes effect in decisions at once; the systems hear of it through the workflow.
 */
export async function giveOrWithdrawConsent(
  deps: CaptureDeps & Parameters<typeof propagateOptOut>[0],
  input: CaptureInput,
  actor: Actor,
  signals: { gpc?: boolean } = {},
) {
  const { optedOut, ...captured } = await captureConsent(deps, input, actor, signals);
  const propagation = optedOut
    ? await propagateOptOut(deps, captured.ecifId, actor, captured.gpcHonored ? 'gpc' : 'consent')
    : undefined;
  return { ...captured, ...(propagation ? { optOutRequestId: propagation.id } : {}) };
}
