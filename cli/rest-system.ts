/**
 * A `rest` system's registration from a definition id and the operator's settings file
 * (`custodian systems put <id> --definition <d> --settings file.json`, `npm run connector:check -- --definition`):
 * the file holds the system's own part (name, base URL, secret reference, settings, fields), the
 * definition the rest. The API validates the result as it validates any registration.
 */
import type { z } from 'zod';
import { capabilitiesOf } from '#core/connectors/rest/definition.ts';
import { definitionOf } from '#core/connectors/rest/shipped.ts';
import type { systemInputSchema } from '#core/connectors/system.ts';

export type SystemBody = z.input<typeof systemInputSchema>;

/** The members of a settings file, as the operator writes it (docs/connectors.md). */
export interface RestSettingsFile {
  name: string;
  baseUrl: string;
  secretRef: string;
  settings?: Record<string, string | string[]>;
  fields?: SystemBody['fields'];
  /** Default: all the definition can do. */
  capabilities?: SystemBody['capabilities'];
  timeoutMs?: number;
  concurrency?: number;
  rateLimitPerSecond?: number;
  recipient?: boolean;
}

export function restSystemBody(definitionId: string, file: RestSettingsFile): SystemBody {
  const definition = definitionOf(definitionId);
  if (!definition) throw new Error(`no shipped definition is called ${definitionId}`);
  const { name, baseUrl, secretRef, settings = {}, fields = [], capabilities, timeoutMs, ...limits } = file;
  return {
    name,
    connector: {
      kind: 'rest',
      definition: definitionId,
      baseUrl,
      settings,
      secretRef,
      ...(timeoutMs ? { timeoutMs } : {}),
    },
    capabilities: capabilities ?? capabilitiesOf(definition),
    fields,
    ...limits,
  };
}
