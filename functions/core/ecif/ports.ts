import type { ConnectedSystem } from '../connectors/system.ts';
import type { CrossReference, CustomerStatus, GoldenRecord } from './customer.ts';
import type { IdentityKey } from './identifiers.ts';

export interface CustomerChange {
  record: GoldenRecord;
  addIdentities: IdentityKey[];
  removeIdentities: IdentityKey[];
  crossReferences: CrossReference[];
  removeCrossReferences: CrossReference[];
}

/** The ECIF: golden records, identity index, cross-references, suppression list. */
export interface EcifRegistry {
  getCustomer(ecifId: string): Promise<GoldenRecord | undefined>;
  /** The ecifId an identity key is bound to. */
  findByIdentity(key: IdentityKey): Promise<string | undefined>;
  /** Each ecifId's status, for those the ECIF holds (one round trip for up to 100). */
  statuses(ecifIds: string[]): Promise<Map<string, CustomerStatus>>;
  /** Who an identity key names, in one round trip: its owner, or that its customer was erased (no id kept). */
  identityOwner(key: IdentityKey): Promise<{ ecifId: string } | { erased: true } | undefined>;
  /** The keys among these that were erased on request. */
  suppressed(keys: IdentityKey[]): Promise<IdentityKey[]>;
  /** Writes the record, index and cross-references at once; a key bound meanwhile to another id throws ConflictError. */
  saveCustomer(change: CustomerChange): Promise<void>;
  crossReferences(ecifId: string): Promise<CrossReference[]>;
  /** Replaces the record by its anonymized form, drops its index keys and suppresses them, at once. */
  eraseCustomer(erased: GoldenRecord, suppress: IdentityKey[]): Promise<void>;
}

export interface SystemsRegistry {
  put(system: ConnectedSystem): Promise<void>;
  get(systemId: string): Promise<ConnectedSystem | undefined>;
  list(): Promise<ConnectedSystem[]>;
}
