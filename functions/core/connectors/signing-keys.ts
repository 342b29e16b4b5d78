/**
 * Which key an HTTP system signs with, decided at registration: by default a key of its own, issued by
 * Custodian (shown once, in the registration's answer); a key the operator keeps under a reference
 * (`secretRef`); or, only when asked for (`sharedSecret: true`), the deployment-wide key, which any other
 * system opted into it also holds.
 */
import { randomBytes } from 'node:crypto';
import { ConflictError, InvalidInputError } from '#core/shared/errors.ts';
import type { SystemKeyVault } from './ports.ts';
import type { ConnectedSystem, SystemInput } from './system.ts';

/** The reference of the key Custodian issues to a system. */
export const issuedKeyRef = (systemId: string) => `systems/${systemId}`;
const ISSUED_PREFIX = 'systems/';

/** How a registration's key was settled, for the audit trail (never a value). */
export type SigningKey = 'issued' | 'kept' | 'reference' | 'shared' | 'none';

const freshKey = () => randomBytes(32).toString('hex');

/**
 * The registration as stored (an issued key named by its reference) and the key to show the operator
 * once, when one was issued now. A system registered again keeps the key it was issued.
 */
export async function settleSigningKey(
  vault: SystemKeyVault | undefined,
  systemId: string,
  input: SystemInput,
  existing: ConnectedSystem | undefined,
): Promise<{ input: SystemInput; issued?: string; signingKey: SigningKey }> {
  const c = input.connector;
  if (c.kind !== 'http') return { input, signingKey: 'none' };
  if (c.sharedSecret && c.secretRef)
    throw new InvalidInputError('a system signs with its own key or with the shared one, not both', {
      field: 'connector.sharedSecret',
    });
  if (c.sharedSecret) return { input, signingKey: 'shared' };
  const own = issuedKeyRef(systemId);
  // Another system's issued key is not a reference an operator may name.
  if (c.secretRef?.startsWith(ISSUED_PREFIX) && c.secretRef !== own)
    throw new InvalidInputError('this reference names the key issued to another system', {
      field: 'connector.secretRef',
    });
  if (c.secretRef && c.secretRef !== own) return { input, signingKey: 'reference' };
  const stored = { ...input, connector: { ...c, secretRef: own } };
  const before = existing?.connector;
  if (before?.kind === 'http' && before.secretRef === own) return { input: stored, signingKey: 'kept' };
  if (!vault)
    throw new ConflictError(
      'this deployment has nowhere to keep a key of its own for the system: name a secretRef, or opt in to the shared key',
      { field: 'connector.secretRef' },
    );
  const issued = freshKey();
  await vault.put(own, issued);
  return { input: stored, issued, signingKey: 'issued' };
}

/** A new key for a system that was issued one; the previous stays valid until the next rotation. */
export async function rotateIssuedKey(vault: SystemKeyVault | undefined, system: ConnectedSystem): Promise<string> {
  const c = system.connector;
  if (c.kind !== 'http' || c.secretRef !== issuedKeyRef(system.systemId))
    throw new ConflictError('only a key Custodian issued to the system is rotated here', {
      signingKey: c.kind !== 'http' ? 'none' : c.sharedSecret ? 'shared' : 'reference',
    });
  if (!vault) throw new ConflictError('this deployment has nowhere to keep system keys');
  const key = freshKey();
  await vault.rotate(c.secretRef, key);
  return key;
}
