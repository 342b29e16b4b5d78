/**
 * The bank's ECIF changes, applied one event at a time: upsert, merge or split, each with the source's
 * event id and version. A redelivered event, or one older than what was applied for its ecifId, changes
 * nothing (the bank's queue delivers at least once and a replay may come late); an event is recorded as
 * applied only after its change was made, and every change it makes is itself idempotent, so a crash
 * between the two is healed by the redelivery. One ecifId's events are applied in order by the caller
 * (an SQS FIFO message group per ecifId; a merge or split is grouped by its survivor).
 */
import { z } from 'zod';
import type { Actor } from '#core/shared/actor.ts';
import { customerInputSchema, ecifIdSchema } from './customer.ts';
import { mergeCustomers, splitCustomers, type MergeDeps } from './merge-customers.ts';
import { upsertCustomer, type UpsertCustomerDeps } from './upsert-customer.ts';

const envelope = {
  eventId: z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'an eventId is 1-128 letters, digits, "_", ".", ":" or "-"'),
  /** The source's version of this golden record (monotonic per ecifId). */
  version: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
};
export const ecifChangeSchema = z.discriminatedUnion('type', [
  z.strictObject({ ...envelope, type: z.literal('upsert'), ecifId: ecifIdSchema, customer: customerInputSchema }),
  z.strictObject({
    ...envelope,
    type: z.enum(['merge', 'split']),
    ecifId: ecifIdSchema,
    merged: z.array(ecifIdSchema).min(1).max(10),
  }),
]);
export type EcifChange = z.infer<typeof ecifChangeSchema>;

/** The last event applied per ecifId: `CUST#<ecifId>` / `FEED` in the ECIF table. */
export interface ChangeVersions {
  last(ecifId: string): Promise<{ version: number; eventId: string } | undefined>;
  /** Records the event as applied unless a newer version was recorded meanwhile (then false). */
  record(ecifId: string, version: number, eventId: string, at: string): Promise<boolean>;
}

export type ChangeOutcome = 'applied' | 'duplicate' | 'stale';

export async function applyChange(
  deps: UpsertCustomerDeps & MergeDeps & { versions: ChangeVersions },
  change: EcifChange,
  actor: Actor,
): Promise<ChangeOutcome> {
  const last = await deps.versions.last(change.ecifId);
  if (last?.eventId === change.eventId) return 'duplicate';
  if (last && last.version >= change.version) return 'stale';
  if (change.type === 'upsert') await upsertCustomer(deps, change.ecifId, change.customer, actor);
  else {
    const input = { survivor: change.ecifId, merged: change.merged };
    await (change.type === 'merge' ? mergeCustomers : splitCustomers)(deps, input, actor);
  }
  const recorded = await deps.versions.record(
    change.ecifId,
    change.version,
    change.eventId,
    deps.clock.now().toISOString(),
  );
  return recorded ? 'applied' : 'stale';
}
