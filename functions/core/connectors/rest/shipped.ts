/** The shipped rest definitions: one row per vendor, each parsed by the definition schema when loaded. */
import { type RestDefinition, restDefinitionSchema } from './definition.ts';
import { dynamics365 } from './definitions/dynamics365.ts';
import { hubspot } from './definitions/hubspot.ts';
import { mailchimp } from './definitions/mailchimp.ts';
import { salesforce } from './definitions/salesforce.ts';
import { stripe } from './definitions/stripe.ts';

export const shippedDefinitions: Readonly<Record<string, RestDefinition>> = Object.fromEntries(
  [salesforce, dynamics365, hubspot, mailchimp, stripe].map((d) => [d.id, restDefinitionSchema.parse(d)]),
);

/** A registration's definition: a shipped one by id, or the operator's own as given. */
export function definitionOf(definition: string | RestDefinition): RestDefinition | undefined {
  if (typeof definition !== 'string') return definition;
  // Own rows only: "constructor" is a valid id and names Object.prototype's.
  return Object.hasOwn(shippedDefinitions, definition) ? shippedDefinitions[definition] : undefined;
}
