/**
 * What a registration may point Custodian at: a webhook URL only where this deployment calls (public
 * addresses after resolution; the local runtime's own systems), and a DynamoDB table only outside
 * Custodian's own. A refusal is a 422 naming the field and the kind of place, never the value.
 */
import { InvalidInputError } from '#core/shared/errors.ts';
import type { WebhookAddresses } from './ports.ts';
import type { SystemInput } from './system.ts';

export interface TargetRules {
  /** Where webhook URLs lead; absent: not checked (a caller without the deployment's rules). */
  addresses?: WebhookAddresses;
  /** Custodian's own tables (the ECIF, consent, requests and audit tables). */
  ownTables?: readonly string[];
}

export async function checkTargets(rules: TargetRules, input: SystemInput): Promise<void> {
  const c = input.connector;
  if (c.kind === 'http' && rules.addresses) {
    const refused = await rules.addresses.refusal(c.url);
    if (refused)
      throw new InvalidInputError(`the webhook URL leads to an address this deployment does not call (${refused})`, {
        field: 'connector.url',
      });
  }
  if (c.kind === 'dynamodb' && rules.ownTables?.includes(c.table))
    throw new InvalidInputError('a connected table may not be one of Custodian’s own', { field: 'connector.table' });
}
