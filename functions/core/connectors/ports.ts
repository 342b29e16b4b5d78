/** Where the connectors area keeps what is not in the registry: the signing keys Custodian issues to systems. */

/**
 * The keys Custodian issues to HTTP systems, by reference (`systems/<systemId>`): Secrets Manager under
 * the deployment's connectors prefix in AWS, the local runtime's key files locally. Reading them is the
 * connector's secret lookup (adapters/connectors/system-secrets.ts); this is the writing side.
 */
export interface SystemKeyVault {
  /** Stores `key` as the reference's only key (a new registration: nothing earlier stays valid). */
  put(ref: string, key: string): Promise<void>;
  /** Makes `key` the current key; the one it replaces stays valid until the next rotation. */
  rotate(ref: string, key: string): Promise<void>;
}
