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

/** What a decision needs to know of a golden record: its status and the merge it takes part in. */
export interface SubjectStatus {
  status: CustomerStatus;
  /** The survivor this record was merged into. */
  mergedInto?: string;
  /** The records merged into this one. */
  merged?: string[];
}

/**
 * A merge or a split, written at once: the records (each only if unchanged since read, by its
 * updatedAt), identity index entries moved from one owner to another (each only if still the
 * mover's), cross-references moved likewise. Anything changed meanwhile throws ConflictError.
 */
export interface RebindChange {
  records: { record: GoldenRecord; expectedUpdatedAt: string }[];
  identities: { key: IdentityKey; from: string; to: string }[];
  crossReferences: { crossReference: CrossReference; from: string; to: string }[];
}

export interface RefusedChange {
  ecifId: string;
  /** The identifier kind that was bound elsewhere, and the golden record holding it. */
  kind?: string;
  boundTo?: string;
}

/** The ECIF: golden records, identity index, cross-references, suppression list. */
export interface EcifRegistry {
  getCustomer(ecifId: string): Promise<GoldenRecord | undefined>;
  /** The ecifId an identity key is bound to. */
  findByIdentity(key: IdentityKey): Promise<string | undefined>;
  /** Each ecifId's status and merge links, for those the ECIF holds (one round trip for up to 100). */
  statuses(ecifIds: string[]): Promise<Map<string, SubjectStatus>>;
  /** Who an identity key names, in one round trip: its owner, or that its customer was erased (no id kept). */
  identityOwner(key: IdentityKey): Promise<{ ecifId: string } | { erased: true } | undefined>;
  /** The keys among these that were erased on request. */
  suppressed(keys: IdentityKey[]): Promise<IdentityKey[]>;
  /** Writes the record, index and cross-references at once; a key bound meanwhile to another id throws ConflictError. */
  saveCustomer(change: CustomerChange): Promise<void>;
  crossReferences(ecifId: string): Promise<CrossReference[]>;
  /** The golden records of these ids that exist, read together (a load batch). */
  getCustomers(ecifIds: string[]): Promise<GoldenRecord[]>;
  /**
   * Many changes written together (a load batch): each record's identity keys still bound under a
   * condition, a record whose key is bound to another id refused alone and named in the answer (with
   * the kind and the id holding it), the others written.
   */
  saveCustomers(changes: CustomerChange[]): Promise<RefusedChange[]>;
  /** Replaces the record by its anonymized form, drops its index keys and suppresses them, at once. */
  eraseCustomer(erased: GoldenRecord, suppress: IdentityKey[]): Promise<void>;
  /** A merge or split (RebindChange), in one transaction. */
  rebindCustomers(change: RebindChange): Promise<void>;
}

export interface SystemsRegistry {
  put(system: ConnectedSystem): Promise<void>;
  get(systemId: string): Promise<ConnectedSystem | undefined>;
  list(): Promise<ConnectedSystem[]>;
}
