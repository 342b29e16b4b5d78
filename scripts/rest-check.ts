/**
 * `npm run connector:check -- --definition <id> --settings file.json (--local-id ID | --email E | --phone P) [--secret S]`
 *
 * A dry run of a rest definition against the system's URL: it finds the subject the way an erasure
 * would (by the system's id, or through the vendor's search), reads each record, and says what an
 * erasure would touch there, field by field, without changing anything. Names only: values are not
 * printed. The secret comes from --secret, else from CONNECTOR_SECRET_<REF> as the runtime finds it.
 */
import { RestConnector, fieldPath } from '#adapters/connectors/rest/rest-connector.ts';
import { secretVariable } from '#adapters/connectors/system-secrets.ts';
import { valueAt } from '#core/connectors/rest/template.ts';
import { definitionOf } from '#core/connectors/rest/shipped.ts';
import { restSystemBody, type RestSettingsFile } from '../cli/rest-system.ts';

export interface RestCheckLine {
  object: string;
  id: string;
  /** How an erasure would go: the vendor's delete, or a write of the fields below. */
  erasure: 'delete' | 'update';
  /** Registered fields that hold a value there now (names only). */
  held: string[];
}

export async function checkRestDefinition(opts: {
  definition: string;
  settings: RestSettingsFile;
  subject: { id?: string; email?: string; phone?: string };
  secret?: string;
  hashKey?: string;
}): Promise<RestCheckLine[]> {
  const body = restSystemBody(opts.definition, opts.settings);
  const definition = definitionOf(opts.definition)!;
  const fields = body.fields ?? [];
  const secret = opts.secret ?? process.env[secretVariable(opts.settings.secretRef)];
  if (!secret) throw new Error(`no secret: give --secret or set ${secretVariable(opts.settings.secretRef)}`);
  const connector = new RestConnector(
    definition,
    {
      baseUrl: opts.settings.baseUrl,
      settings: opts.settings.settings ?? {},
      timeoutMs: opts.settings.timeoutMs ?? 10_000,
    },
    opts.hashKey ?? 'connector-check',
    async () => secret,
  );
  const found = await connector.find(
    opts.subject,
    fields.map((f) => f.name),
  );
  return found.map((f) => ({
    object: f.each ? `${f.object.name}:${f.each}` : f.object.name,
    id: f.id,
    erasure: !f.object.update || fields.some((x) => x.strategy === 'delete_row') ? 'delete' : 'update',
    held: fields
      .filter((x) => {
        const v = valueAt(f.record, fieldPath(f.object, x.name));
        return v !== undefined && v !== null && v !== '';
      })
      .map((x) => x.name),
  }));
}
