/** The connectors area's outside services: where issued signing keys are kept, where a system's URL leads. */

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

/** Where a connected system's URL leads (adapters/connectors/webhook-addresses.ts). */
export interface WebhookAddresses {
  /** Why the URL may not be called (the name of the range it resolves into), or undefined when it may. */
  refusal(url: string): Promise<string | undefined>;
}
