/**
 * The shipped rest definitions, every version still kept: a registration pins the version it was made
 * with (`connector.definitionVersion`), so a newer one changes no registered system until the operator
 * registers it again. Each is parsed by the definition schema when loaded.
 */
import { type RestDefinition, restDefinitionSchema } from './definition.ts';
import { dynamics365 } from './definitions/dynamics365.ts';
import { hubspot, hubspotV1 } from './definitions/hubspot.ts';
import { mailchimp } from './definitions/mailchimp.ts';
import { salesforce } from './definitions/salesforce.ts';
import { stripe } from './definitions/stripe.ts';

/** Every shipped version, oldest first per id. */
export const shippedVersions: readonly RestDefinition[] = [
  salesforce,
  dynamics365,
  hubspotV1,
  hubspot,
  mailchimp,
  stripe,
].map((d) => restDefinitionSchema.parse(d));

const newer = (a: string, b: string) => a.localeCompare(b, 'en', { numeric: true }) > 0;

/** The latest shipped version of each definition, by id. */
export const shippedDefinitions: Readonly<Record<string, RestDefinition>> = shippedVersions.reduce<
  Record<string, RestDefinition>
>((latest, d) => {
  if (!Object.hasOwn(latest, d.id) || newer(d.version, latest[d.id].version)) latest[d.id] = d;
  return latest;
}, {});

/** A registration made before versions were pinned was made against the first. */
export const UNPINNED_VERSION = '1';

/**
 * A registration's definition: the operator's own as given, or a shipped one by id at the pinned
 * version (the latest when `version` is undefined: a registration being made now).
 */
export function definitionOf(definition: string | RestDefinition, version?: string): RestDefinition | undefined {
  if (typeof definition !== 'string') return definition;
  // Own rows only: "constructor" is a valid id and names Object.prototype's.
  if (!Object.hasOwn(shippedDefinitions, definition)) return undefined;
  if (version === undefined) return shippedDefinitions[definition];
  return shippedVersions.find((d) => d.id === definition && d.version === version);
}
