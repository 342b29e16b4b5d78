/**
 * Planning: from the subject's cross-references and the systems registry, what each system must
 * do, with which fields and strategies, and which fields stay under an exemption until when.
 */
import type { CrossReference } from '../ecif/customer.ts';
import type { SystemTask } from '../requests/request.ts';
import { holdBasis, LEGAL_CLAIMS_CITATION } from '../ecif/legal-hold.ts';
import { DEFAULT_AFTER_RETENTION, type ConnectedSystem, type FieldRule, type Strategy } from './system.ts';

export function planErasure(
  requestId: string,
  crossReferences: CrossReference[],
  systems: ConnectedSystem[],
  at: Date,
  subject: SubjectFacts = {},
): SystemTask[] {
  return crossReferences.map((xref) => {
    const system = systems.find((s) => s.systemId === xref.systemId);
    const base = {
      requestId,
      systemId: xref.systemId,
      action: 'erase' as const,
      localId: xref.localId,
      attempts: 0,
      updatedAt: at.toISOString(),
    };
    if (!system?.capabilities.includes('erase')) {
      return {
        ...base,
        state: 'skipped' as const,
        fields: [],
        exemptions: [],
        lastError: system
          ? { name: 'NotCapable', message: 'the system cannot erase: an operator must act' }
          : { name: 'UnregisteredSystem', message: 'the cross-reference names a system that is not registered' },
      };
    }
    const ends = system.fields.map((f) => ({
      f,
      until: f.strategy === 'retain' ? retentionEnd(f, at, subject) : undefined,
    }));
    // A retention that has already run out retains nothing: the field is erased now, its way.
    const retained = ends.filter((e) => e.until && e.until > at);
    return {
      ...base,
      state: 'pending' as const,
      fields: ends
        .filter((e) => !retained.includes(e))
        .map(({ f }) => ({ name: f.name, strategy: f.strategy === 'retain' ? afterRetentionOf(f) : f.strategy })),
      exemptions: retained.map(({ f, until }) => ({
        field: f.name,
        basis: f.exemption!.basis,
        ...(f.exemption!.citation ? { citation: f.exemption!.citation } : {}),
        until: until!.toISOString(),
        afterRetention: afterRetentionOf(f),
      })),
    };
  });
}

/** What the planner knows of the subject beyond its cross-references. */
export interface SubjectFacts {
  /** The day the relationship ended (ECIF), when it has. */
  relationshipEndedOn?: string;
}

export const afterRetentionOf = (f: FieldRule): Exclude<Strategy, 'retain'> =>
  f.afterRetention ?? DEFAULT_AFTER_RETENTION;

/**
 * The until-date of a retained field: `years` after the end of the relationship when the rule runs from
 * it and the ECIF knows that date (EU AMLD Art. 40: five years after the business relationship ends),
 * else `years` after the request.
 */
export function retentionEnd(f: FieldRule, requestedAt: Date, subject: SubjectFacts = {}): Date {
  const from =
    f.exemption!.from === 'relationship_end' && subject.relationshipEndedOn
      ? new Date(`${subject.relationshipEndedOn}T00:00:00.000Z`)
      : requestedAt;
  return addYears(from, f.exemption!.years);
}

function addYears(d: Date, years: number): Date {
  const r = new Date(d);
  r.setUTCFullYear(r.getUTCFullYear() + years);
  return r;
}

/**
 * Planning any other right: every system the subject is cross-referenced in that can take the action
 * gets a task; one that cannot is `skipped` (an operator acts) when `everySystem`, else left out (an
 * opt-out concerns only the systems that market or sell). `fieldsOf` picks a system's fields for the
 * task, and a system with none of them is left out (a rectification of an email a system does not hold).
 */
export function planAction(
  requestId: string,
  action: Exclude<SystemTask['action'], 'erase'>,
  crossReferences: CrossReference[],
  systems: ConnectedSystem[],
  at: Date,
  opts: { everySystem: boolean; fieldsOf?: (system: ConnectedSystem) => string[] },
): SystemTask[] {
  return crossReferences.flatMap((xref): SystemTask[] => {
    const system = systems.find((s) => s.systemId === xref.systemId);
    const base = {
      requestId,
      systemId: xref.systemId,
      action,
      localId: xref.localId,
      attempts: 0,
      exemptions: [],
      updatedAt: at.toISOString(),
    };
    const fields = system ? (opts.fieldsOf?.(system) ?? system.fields.map((f) => f.name)) : [];
    if (system && opts.fieldsOf && fields.length === 0) return [];
    if (!system?.capabilities.includes(action)) {
      if (!opts.everySystem) return [];
      return [
        {
          ...base,
          state: 'skipped' as const,
          fields: [],
          lastError: system
            ? { name: 'NotCapable', message: `the system cannot ${action}: an operator must act` }
            : { name: 'UnregisteredSystem', message: 'the cross-reference names a system that is not registered' },
        },
      ];
    }
    return [{ ...base, state: 'pending' as const, fields: fields.map((name) => ({ name, strategy: action })) }];
  });
}

/**
 * A retention follow-up: the one system, exactly the fields whose retention ended, each with its
 * after-retention strategy. A system since unregistered or no longer able to erase is skipped with a
 * reason (an operator acts), as in a first erasure.
 */
export function planFollowUpErasure(
  requestId: string,
  followUp: { systemId?: string; localId?: string; fields?: { name: string; strategy: string }[] },
  systems: ConnectedSystem[],
  at: Date,
): SystemTask[] {
  const system = systems.find((s) => s.systemId === followUp.systemId);
  const base = {
    requestId,
    systemId: followUp.systemId!,
    action: 'erase' as const,
    localId: followUp.localId!,
    attempts: 0,
    exemptions: [],
    updatedAt: at.toISOString(),
  };
  if (!system?.capabilities.includes('erase')) {
    return [
      {
        ...base,
        state: 'skipped',
        fields: [],
        lastError: system
          ? { name: 'NotCapable', message: 'the system cannot erase: an operator must act' }
          : { name: 'UnregisteredSystem', message: 'the follow-up names a system that is no longer registered' },
      },
    ];
  }
  return [{ ...base, state: 'pending', fields: followUp.fields ?? [] }];
}

/**
 * An erasure under a legal hold destroys nothing: every system's erase step is `exempt`, every field it
 * holds kept under the hold (GDPR Art. 17(3)(e)) until the hold is released ('*' for a system that
 * lists no fields). No system is called.
 */
export function planUnderHold(
  requestId: string,
  crossReferences: CrossReference[],
  systems: ConnectedSystem[],
  at: Date,
  hold: { reference: string },
): SystemTask[] {
  return crossReferences.map((xref) => {
    const system = systems.find((s) => s.systemId === xref.systemId);
    const fields = system?.fields.length ? system.fields.map((f) => f.name) : ['*'];
    return {
      requestId,
      systemId: xref.systemId,
      action: 'erase',
      localId: xref.localId,
      state: 'exempt',
      attempts: 0,
      fields: [],
      exemptions: fields.map((field) => ({
        field,
        basis: holdBasis(hold),
        citation: LEGAL_CLAIMS_CITATION,
        hold: hold.reference,
      })),
      updatedAt: at.toISOString(),
    };
  });
}

/**
 * The systems a subject is looked for in without a cross-reference: each `rest` system registered
 * with `findBy` that the subject has no cross-reference to, when the golden record holds one of those
 * identifiers. Planned like a cross-reference (`localId` names the search, not a value); the tasks
 * made from them carry `foundBy`.
 */
export function searchReferences(
  crossReferences: CrossReference[],
  systems: ConnectedSystem[],
  record: { emails?: string[]; phones?: string[] } | undefined,
): (CrossReference & { foundBy: ('email' | 'phone')[] })[] {
  if (!record) return [];
  const held = { email: record.emails?.length ?? 0, phone: record.phones?.length ?? 0 };
  return systems.flatMap((s) => {
    if (s.connector.kind !== 'rest' || !s.connector.findBy) return [];
    if (crossReferences.some((x) => x.systemId === s.systemId)) return [];
    const foundBy = s.connector.findBy.filter((by) => held[by] > 0);
    if (!foundBy.length) return [];
    return [{ systemId: s.systemId, localId: `search:${foundBy.join(',')}`, since: '', foundBy }];
  });
}

/** The tasks planned from search references, marked as found by search. */
export function markSearched(tasks: SystemTask[], searched: ReturnType<typeof searchReferences>): SystemTask[] {
  return tasks.map((t) => {
    const s = searched.find((x) => x.systemId === t.systemId);
    return s && t.localId === s.localId ? { ...t, foundBy: s.foundBy } : t;
  });
}
