/**
 * GET /v1/ecif/customers/{ecifId}: the golden record a steward maintains, as the ECIF holds it.
 * Each read is audited on the customer's stream (who read it; never what it says). A merged id reads
 * as its survivor.
 */
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import type { CrossReference, GoldenRecord } from './customer.ts';
import type { EcifRegistry } from './ports.ts';
import { survivingRecord } from './survivor.ts';

/** The record without its identity index keys: those are keyed hashes for the index, not data. */
export type GoldenRecordView = Omit<GoldenRecord, 'identities'> & { crossReferences: CrossReference[] };

export async function readGoldenRecord(
  deps: { ecif: EcifRegistry; audit: AuditLog },
  ecifId: string,
  actor: Actor,
): Promise<GoldenRecordView> {
  const record = await survivingRecord(deps.ecif, ecifId);
  if (!record) throw new NotFoundError('no such customer');
  const crossReferences = await deps.ecif.crossReferences(record.ecifId);
  await deps.audit.append({
    stream: `ecif:${record.ecifId}`,
    actor,
    action: 'ecif.read',
    target: { ecifId: record.ecifId },
    details: {},
  });
  const { identities: _keys, ...view } = record;
  return { ...view, crossReferences };
}
