/**
 * What a registration may point Custodian at: a webhook URL or a rest system's base URL only where this deployment calls (public
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

/** One rule for every URL a system is called at: the webhook's, a rest system's base URL. */
async function checkAddress(rules: TargetRules, url: string, field: string, what: string): Promise<void> {
  const refused = await rules.addresses?.refusal(url);
  if (refused)
    throw new InvalidInputError(`${what} leads to an address this deployment does not call (${refused})`, { field });
}

export async function checkTargets(rules: TargetRules, input: SystemInput): Promise<void> {
  const c = input.connector;
  if (c.kind === 'http') await checkAddress(rules, c.url, 'connector.url', 'the webhook URL');
  if (c.kind === 'rest') await checkAddress(rules, c.baseUrl, 'connector.baseUrl', 'the base URL');
  if (c.kind === 'dynamodb' && rules.ownTables?.includes(c.table))
    throw new InvalidInputError('a connected table may not be one of Custodian’s own', { field: 'connector.table' });
}
