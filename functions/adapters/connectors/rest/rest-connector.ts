/**
 * The `rest` connector: a system's own REST API driven by a definition (core/connectors/rest/). The
 * subject's records are found by the system's id (the ECIF cross-reference), or without one by the
 * definition's bounded search on the golden record's email or phone; then each action is the
 * definition's request per record; every action but access is proven by reading the records back.
 * Erasure writes each field's erased value with the strategies every connector uses (or deletes the
 * record, where a field says `delete_row` or the object can only be deleted); fields already in
 * their erased form are left alone, so a retry changes nothing twice.
 */
import type { Connector, ConnectorOutcome, SystemWork, Verification } from '#core/connectors/connector.ts';
import type { WebhookAddresses } from '#core/connectors/ports.ts';
import type { RestDefinition, RestObject } from '#core/connectors/rest/definition.ts';
import { renderText, setAt, valueAt } from '#core/connectors/rest/template.ts';
import { applyStrategy, hasErasedForm } from '#core/connectors/strategies.ts';
import type { FieldRule } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { VendorCredentials } from './vendor-credentials.ts';
import { type FoundRecord, type Subject, VendorRecords } from './vendor-records.ts';

export interface RestSystemSettings {
  baseUrl: string;
  settings: Record<string, string | string[]>;
  timeoutMs: number;
}

/** Where a field sits in the object's records. */
export function fieldPath(object: RestObject, name: string): string {
  return object.fieldPaths?.[name] ?? (object.fieldsAt ? `${object.fieldsAt}.${name}` : name);
}

const names = (fields: FieldRule[]) => fields.map((f) => f.name);
const deletes = (work: SystemWork, object: RestObject) =>
  !object.update || work.fields.some((f) => f.strategy === 'delete_row');

export class RestConnector implements Connector {
  readonly records: VendorRecords;

  constructor(
    definition: RestDefinition,
    settings: RestSystemSettings,
    private readonly hashKey: string,
    secret: () => Promise<string>,
    /** Where this deployment calls; absent: anywhere (connector:check, contract tests). */
    addresses?: WebhookAddresses,
  ) {
    const base = { baseUrl: settings.baseUrl, settings: settings.settings };
    this.records = new VendorRecords(
      definition,
      base,
      new VendorCredentials(definition.auth, base, secret, settings.timeoutMs, Date.now, addresses),
      settings.timeoutMs,
      addresses,
    );
  }

  /** The vendor's rate-limit headers said its quota is spent: the system's calls wait until then (epoch ms). */
  slowedUntil(): number | undefined {
    return this.records.slowedUntil > Date.now() ? this.records.slowedUntil : undefined;
  }

  /** What the system holds for a subject, without changing anything (connector:check). */
  find(subject: Subject, fields: string[]): Promise<FoundRecord[]> {
    return this.records.find(subject, fields);
  }

  /**
   * The subject's records: by its id in the system (the cross-reference), or, for a task with no
   * cross-reference, by each of the golden record's identifiers through the definition's searches
   * (a record matched by two of them counted once).
   */
  private async found(work: SystemWork): Promise<FoundRecord[]> {
    const fields = names(work.fields);
    if (!work.identifiers) return this.records.find({ id: work.localId }, fields);
    const byKey = new Map<string, FoundRecord>();
    for (const by of ['email', 'phone'] as const)
      for (const value of work.identifiers[by] ?? [])
        for (const f of await this.records.find({ [by]: value }, fields))
          byKey.set(`${f.object.name}|${f.each ?? ''}|${f.id}`, f);
    return [...byKey.values()];
  }

  async execute(work: SystemWork): Promise<ConnectorOutcome> {
    const found = await this.found(work);
    const changed = new Set<string>();
    for (const f of found) {
      for (const name of await this.apply(work, f)) changed.add(name);
    }
    return {
      recordsAffected: found.length,
      fieldsChanged: [...changed],
      ...(work.action === 'access'
        ? { data: Object.fromEntries(found.map((f) => [label(f), this.valuesOf(f, work.fields)])) }
        : {}),
    };
  }

  private valuesOf(f: FoundRecord, fields: FieldRule[]): Record<string, unknown> {
    return Object.fromEntries(
      fields.map((field) => [field.name, valueAt(f.record, fieldPath(f.object, field.name)) ?? null]),
    );
  }

  /** One record's action; the names of the fields it changed. */
  private async apply(work: SystemWork, f: FoundRecord): Promise<string[]> {
    const ctx = this.records.context({ id: f.id, each: f.each, record: f.record, fields: names(work.fields) });
    const { object } = f;
    switch (work.action) {
      case 'access':
        return [];
      case 'erase': {
        if (deletes(work, object)) {
          await this.records.call(object.delete!, ctx);
          return names(work.fields);
        }
        const changes: Record<string, unknown> = {};
        const changed: string[] = [];
        for (const field of work.fields) {
          if (field.strategy === 'retain' || field.strategy === 'delete_row') continue;
          const now = valueAt(f.record, fieldPath(object, field.name));
          if (now === undefined || hasErasedForm(field.strategy, now)) continue;
          setAt(changes, fieldPath(object, field.name), applyStrategy(field.strategy, now, this.hashKey));
          changed.push(field.name);
        }
        if (changed.length) await this.records.call(object.update!, { ...ctx, changes });
        return changed;
      }
      case 'rectify': {
        const changes: Record<string, unknown> = {};
        const changed = Object.keys(work.values ?? {}).filter((name) => work.fields.some((x) => x.name === name));
        for (const name of changed) setAt(changes, fieldPath(object, name), work.values![name]);
        const request = object.rectify ?? object.update;
        if (!request) throw new PermanentSystemError(`the definition cannot rectify ${object.name}`);
        if (changed.length) await this.records.call(request, { ...ctx, changes });
        return changed;
      }
      case 'opt_out':
      case 'restrict': {
        const step = object[work.action];
        if (!step) throw new PermanentSystemError(`the definition cannot ${work.action} ${object.name}`);
        await this.records.call(step.request, ctx);
        return [];
      }
    }
  }

  /** Reads the subject's records again and checks the action took effect on each. */
  async verify(work: SystemWork): Promise<Verification | undefined> {
    if (work.action === 'access') return undefined;
    // An opt-out or restriction the definition has no read-back for is not claimed as verified.
    if (
      (work.action === 'opt_out' || work.action === 'restrict') &&
      !this.records.definition.objects.some((o) => o[work.action as 'opt_out']?.check)
    )
      return undefined;
    // Found by search, a record erased beyond matching (deleted, its email hashed) is no longer found: proof by absence.
    const found = await this.found(work);
    const remaining = new Set<string>();
    for (const f of found) {
      for (const name of await this.unfinished(work, f)) remaining.add(name);
    }
    return { verified: remaining.size === 0, remaining: [...remaining], method: 'rest-read-back' };
  }

  /** What is still not as the action left it in one record read back (field names, or the check's path). */
  private async unfinished(work: SystemWork, f: FoundRecord): Promise<string[]> {
    const { object } = f;
    const at = (name: string) => valueAt(f.record, fieldPath(object, name));
    switch (work.action) {
      case 'erase':
        // A record still there after a delete: every field it holds remains.
        if (deletes(work, object)) return names(work.fields);
        return work.fields
          .filter((x) => x.strategy !== 'retain' && x.strategy !== 'delete_row' && at(x.name) !== undefined)
          .filter((x) => !hasErasedForm(x.strategy, at(x.name)))
          .map((x) => x.name);
      case 'rectify':
        return Object.entries(work.values ?? {})
          .filter(([name, value]) => work.fields.some((x) => x.name === name) && at(name) !== value)
          .map(([name]) => name);
      case 'opt_out':
      case 'restrict': {
        const check = object[work.action]?.check;
        if (!check) return [];
        const ctx = this.records.context({ id: f.id, each: f.each, record: f.record, fields: names(work.fields) });
        const answer = check.request ? (await this.records.call(check.request, ctx)).body : f.record;
        return valueAt(answer, renderText(check.path, ctx)) === check.equals ? [] : [work.action];
      }
      default:
        return [];
    }
  }
}

/** An access report's key for a record: the object, and the `forEach` value it was found under. */
const label = (f: FoundRecord) => (f.each ? `${f.object.name}:${f.each}` : f.object.name);
