/**
 * Legal holds. An operator places a hold on a subject when its data may be needed for a legal claim
 * (litigation, an investigation, a regulator's inquiry). While the hold is on, an erasure destroys
 * nothing: it is answered partially, every system's erase step exempt under the hold (GDPR Art.
 * 17(3)(e): erasure does not apply where the data is needed for legal claims), and the subject's
 * processing is restricted to that purpose (Art. 18(2)); a follow-up is recorded, and releasing the hold
 * runs the erasure. Access, rectification and the opt-outs go on as usual: Art. 17(3)(e) exempts
 * erasure only, and a hold keeps records, it does not stop them from being read or corrected.
 * Follow-up erasures of retained fields that fall due during a hold wait for its release too.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import type { GoldenRecord } from './customer.ts';
import type { EcifRegistry } from './ports.ts';

export const LEGAL_CLAIMS_CITATION = 'GDPR Art. 17(3)(e)';

export const legalHoldInputSchema = z.strictObject({
  /** Why (free text: it may name anything, so it is never audited, only its length). */
  reason: z.string().trim().min(10).max(1000),
  /** The matter or case reference the hold is named by in answers and audit: an id, not a name. */
  reference: z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9._/-]{1,63}$/,
      'a reference is a case or matter id: letters, digits, ".", "_", "/" or "-"',
    ),
});
export type LegalHoldInput = z.infer<typeof legalHoldInputSchema>;

export interface LegalHold extends LegalHoldInput {
  ecifId: string;
  placedAt: string;
  placedBy: Actor;
  updatedAt: string;
}

/** One hold per subject: `CUST#<ecifId>` / `HOLD` in the ECIF table. */
export interface LegalHolds {
  get(ecifId: string): Promise<LegalHold | undefined>;
  put(hold: LegalHold): Promise<void>;
  /** Removes the hold; returns it, or undefined when there was none. */
  remove(ecifId: string): Promise<LegalHold | undefined>;
}

export interface LegalHoldDeps {
  holds: LegalHolds;
  ecif: EcifRegistry;
  audit: AuditLog;
  clock: Clock;
}

export const holdBasis = (hold: Pick<LegalHold, 'reference'>) => `legal hold ${hold.reference}`;

function record(deps: LegalHoldDeps, ecifId: string, actor: Actor, action: string, details: Record<string, unknown>) {
  return deps.audit.append({ stream: `hold:${ecifId}`, actor, action, target: { ecifId }, details });
}

/** Places (or restates) the hold. A repeat with the same reference and reason changes and audits nothing. */
export async function placeHold(
  deps: LegalHoldDeps,
  ecifId: string,
  input: LegalHoldInput,
  actor: Actor,
): Promise<{ hold: LegalHold; created: boolean }> {
  // Erased subjects may still hold retained records (AML): a hold on them stops the follow-up erasure.
  if (!(await deps.ecif.getCustomer(ecifId))) throw new NotFoundError('no such subject');
  const existing = await deps.holds.get(ecifId);
  if (existing && existing.reference === input.reference && existing.reason === input.reason)
    return { hold: existing, created: false };
  const at = deps.clock.now().toISOString();
  const hold: LegalHold = {
    ecifId,
    ...input,
    placedAt: existing?.placedAt ?? at,
    placedBy: existing?.placedBy ?? { role: actor.role, principal: actor.principal },
    updatedAt: at,
  };
  await deps.holds.put(hold);
  await record(deps, ecifId, actor, existing ? 'hold.updated' : 'hold.placed', {
    reference: input.reference,
    reasonLength: input.reason.length,
    ...(existing && existing.reference !== input.reference ? { previousReference: existing.reference } : {}),
  });
  return { hold, created: !existing };
}

export async function currentHold(deps: Pick<LegalHoldDeps, 'holds'>, ecifId: string): Promise<LegalHold> {
  const hold = await deps.holds.get(ecifId);
  if (!hold) throw new NotFoundError('no legal hold on this subject');
  return hold;
}

/**
 * The hold that stops this subject's erasure: its own, or one on any record merged into it (a merge
 * unites the two people's records, so a claim on either keeps both).
 */
export async function holdOnSubject(
  deps: { holds: Pick<LegalHolds, 'get'>; ecif: Pick<EcifRegistry, 'getCustomer'> },
  ecifId: string,
  record?: GoldenRecord,
): Promise<LegalHold | undefined> {
  const [own, subject] = await Promise.all([deps.holds.get(ecifId), record ?? deps.ecif.getCustomer(ecifId)]);
  if (own || !subject?.merged?.length) return own;
  return (await Promise.all(subject.merged.map((id) => deps.holds.get(id)))).find((h) => h !== undefined);
}

/** Releases the hold (404 when there is none); the caller then starts the erasures it held. */
export async function releaseHold(deps: LegalHoldDeps, ecifId: string, actor: Actor): Promise<LegalHold> {
  const hold = await deps.holds.remove(ecifId);
  if (!hold) throw new NotFoundError('no legal hold on this subject');
  await record(deps, ecifId, actor, 'hold.released', { reference: hold.reference, placedAt: hold.placedAt });
  return hold;
}
