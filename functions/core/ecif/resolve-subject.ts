import { z } from 'zod';
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import { systemIdSchema, type CrossReference, type GoldenRecord } from './customer.ts';
import { identityKeysOf, type IdentityHasher, type IdentityKey, type SubjectIdentifiers } from './identifiers.ts';
import type { EcifRegistry } from './ports.ts';

export interface Resolution {
  ecifId: string;
  crossReferences: CrossReference[];
  /** The golden record the keys led to (for the workflow; never shown to a caller as it stands). */
  record: GoldenRecord;
}

/**
 * Resolves a person from already-hashed index keys. Every key that matches must point to the same
 * customer: two different customers behind one request's identifiers is no match, not a guess.
 */
export async function resolveByKeys(ecif: EcifRegistry, keys: IdentityKey[]): Promise<Resolution | undefined> {
  const owners = new Set(await Promise.all(keys.map((key) => ecif.findByIdentity(key))));
  owners.delete(undefined);
  if (owners.size !== 1) return undefined;
  const [ecifId] = owners as Set<string>;
  const [record, crossReferences] = await Promise.all([ecif.getCustomer(ecifId), ecif.crossReferences(ecifId)]);
  if (!record || record.status === 'erased') return undefined;
  return { ecifId, crossReferences, record };
}

export function resolveSubject(ecif: EcifRegistry, hash: IdentityHasher, ids: SubjectIdentifiers) {
  return resolveByKeys(ecif, identityKeysOf(ids, hash));
}

/** What a steward or operator may resolve a person by: any identifier kind, or a system's own local id. */
export const resolveInputSchema = z
  .strictObject({
    email: z.string().trim().min(3).max(254).optional(),
    phone: z.string().trim().min(3).max(32).optional(),
    nationalId: z
      .strictObject({ country: z.string().regex(/^[A-Z]{2}$/), value: z.string().trim().min(1).max(40) })
      .optional(),
    systemRef: z.strictObject({ systemId: systemIdSchema, localId: z.string().min(1).max(128) }).optional(),
  })
  .refine((ids) => Object.values(ids).some((v) => v !== undefined), {
    message: 'name the person by at least one identifier',
  });
export type ResolveInput = z.infer<typeof resolveInputSchema>;

/**
 * POST /v1/ecif/resolve: who this is, and under which local id each system knows them. Every
 * identifier given must point to the same customer (else no match); an erased customer is no match.
 * A successful lookup is audited on the customer's stream, with the kinds used (never the values).
 */
export async function resolveIdentity(
  deps: { ecif: EcifRegistry; hash: IdentityHasher; audit: AuditLog },
  input: ResolveInput,
  actor: Actor,
): Promise<{ ecifId: string; crossReferences: CrossReference[] }> {
  const keys = identityKeysOf(input, deps.hash);
  const found = await resolveByKeys(deps.ecif, keys);
  if (!found) throw new NotFoundError('no customer matches these identifiers');
  await deps.audit.append({
    stream: `ecif:${found.ecifId}`,
    actor,
    action: 'ecif.resolved',
    target: { ecifId: found.ecifId },
    details: { by: keys.map((k) => (k.kind.startsWith('sys.') ? 'system_local_id' : k.kind)) },
  });
  return { ecifId: found.ecifId, crossReferences: found.crossReferences };
}
