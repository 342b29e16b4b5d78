import type { AuditLog } from '../audit/ports.ts';
import type { Clock } from '#core/shared/clock.ts';
import { ConflictError, SuppressedIdentityError } from '#core/shared/errors.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { CrossReference, CustomerInput, GoldenRecord } from './customer.ts';
import { identityKeysOf, sameKey, type IdentityHasher, type IdentityKey } from './identifiers.ts';
import type { EcifRegistry } from './ports.ts';

export interface UpsertCustomerDeps {
  ecif: EcifRegistry;
  audit: AuditLog;
  hash: IdentityHasher;
  clock: Clock;
}

export interface UpsertResult {
  ecifId: string;
  created: boolean;
  identities: number;
  crossReferences: number;
}

export async function upsertCustomer(
  deps: UpsertCustomerDeps,
  ecifId: string,
  input: CustomerInput,
  actor: Actor,
): Promise<UpsertResult> {
  const at = deps.clock.now().toISOString();
  const keys = dedupe([
    ...input.emails.flatMap((email) => identityKeysOf({ email }, deps.hash)),
    ...input.phones.flatMap((phone) => identityKeysOf({ phone }, deps.hash)),
    ...input.nationalIds.flatMap((nationalId) => identityKeysOf({ nationalId }, deps.hash)),
    ...input.crossReferences.flatMap((x) => identityKeysOf({ systemRef: x }, deps.hash)),
  ]);

  const refusal = await identityRefusal(deps.ecif, ecifId, keys);
  if (refusal?.reason === 'suppressed') {
    await deps.audit.append({
      stream: `ecif:${ecifId}`,
      actor,
      action: 'ecif.ingestion.refused',
      target: { ecifId },
      details: { reason: 'suppressed', kinds: refusal.kinds },
    });
    throw new SuppressedIdentityError(
      'an identifier of this customer was erased on request and may not be ingested again',
      { reason: 'suppressed', kinds: refusal.kinds },
    );
  }
  if (refusal?.reason === 'bound') {
    throw new ConflictError('an identifier is already bound to another customer', {
      kind: refusal.kinds[0],
      ecifId,
      boundTo: refusal.boundTo,
    });
  }

  const existing = await deps.ecif.getCustomer(ecifId);
  if (existing?.status === 'erased') {
    throw new ConflictError('this customer was erased on request', { reason: 'erased', ecifId });
  }
  const previousKeys = existing?.identities ?? [];
  const previousXrefs = existing ? await deps.ecif.crossReferences(ecifId) : [];

  const crossReferences: CrossReference[] = input.crossReferences.map((x) => ({
    ...x,
    since: previousXrefs.find((p) => p.systemId === x.systemId && p.localId === x.localId)?.since ?? at,
  }));
  const { crossReferences: _x, ...profile } = input;
  const record: GoldenRecord = {
    ...profile,
    ecifId,
    status: existing?.status ?? 'active',
    identities: keys,
    createdAt: existing?.createdAt ?? at,
    updatedAt: at,
  };

  await deps.ecif.saveCustomer({
    record,
    addIdentities: keys.filter((k) => !previousKeys.some((p) => sameKey(p, k))),
    removeIdentities: previousKeys.filter((p) => !keys.some((k) => sameKey(p, k))),
    crossReferences,
    removeCrossReferences: previousXrefs.filter(
      (p) => !crossReferences.some((x) => x.systemId === p.systemId && x.localId === p.localId),
    ),
  });

  await deps.audit.append({
    stream: `ecif:${ecifId}`,
    actor,
    action: existing ? 'ecif.customer.updated' : 'ecif.customer.created',
    target: { ecifId },
    details: { identities: keys.length, crossReferences: crossReferences.map((x) => x.systemId) },
  });
  return { ecifId, created: !existing, identities: keys.length, crossReferences: crossReferences.length };
}

/**
 * Why these identity keys may not be this customer's: erased on request (suppressed), or bound to
 * another golden record. The one rule for ingestion and for a rectification's corrected values.
 */
export async function identityRefusal(
  ecif: EcifRegistry,
  ecifId: string,
  keys: IdentityKey[],
): Promise<{ reason: 'suppressed' | 'bound'; kinds: string[]; boundTo?: string } | undefined> {
  const suppressed = await ecif.suppressed(keys);
  if (suppressed.length > 0) return { reason: 'suppressed', kinds: suppressed.map((k) => k.kind) };
  for (const key of keys) {
    const owner = await ecif.findByIdentity(key);
    if (owner && owner !== ecifId) return { reason: 'bound', kinds: [key.kind], boundTo: owner };
  }
  return undefined;
}

function dedupe(keys: IdentityKey[]): IdentityKey[] {
  return keys.filter((k, i) => keys.findIndex((o) => sameKey(o, k)) === i);
}
