import type { CrossReference } from './customer.ts';
import { identityKeysOf, type IdentityHasher, type IdentityKey, type SubjectIdentifiers } from './identifiers.ts';
import type { EcifRegistry } from './ports.ts';

export interface Resolution {
  ecifId: string;
  crossReferences: CrossReference[];
}

/**
 * Resolves a person from already-hashed index keys. Every key that matches must point to the same
 * customer: two different customers behind one request's identifiers is no match, not a guess.
 */
export async function resolveByKeys(ecif: EcifRegistry, keys: IdentityKey[]): Promise<Resolution | undefined> {
  const owners = new Set<string>();
  for (const key of keys) {
    const owner = await ecif.findByIdentity(key);
    if (owner) owners.add(owner);
  }
  if (owners.size !== 1) return undefined;
  const [ecifId] = owners;
  const record = await ecif.getCustomer(ecifId);
  if (!record || record.status === 'erased') return undefined;
  return { ecifId, crossReferences: await ecif.crossReferences(ecifId) };
}

export function resolveSubject(ecif: EcifRegistry, hash: IdentityHasher, ids: SubjectIdentifiers) {
  return resolveByKeys(ecif, identityKeysOf(ids, hash));
}
