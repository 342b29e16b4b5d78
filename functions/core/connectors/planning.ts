/**
 * Planning: from the subject's cross-references and the systems registry, what each system must
 * do, with which fields and strategies, and which fields stay under an exemption until when.
 */
import type { CrossReference } from '../ecif/customer.ts';
import type { SystemTask } from '../requests/request.ts';
import type { ConnectedSystem } from './system.ts';

export function planErasure(
  requestId: string,
  crossReferences: CrossReference[],
  systems: ConnectedSystem[],
  at: Date,
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
    if (!system || !system.capabilities.includes('erase')) {
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
    const retained = system.fields.filter((f) => f.strategy === 'retain');
    return {
      ...base,
      state: 'pending' as const,
      fields: system.fields.filter((f) => f.strategy !== 'retain').map((f) => ({ name: f.name, strategy: f.strategy })),
      exemptions: retained.map((f) => ({
        field: f.name,
        basis: f.exemption!.basis,
        ...(f.exemption!.citation ? { citation: f.exemption!.citation } : {}),
        until: addYears(at, f.exemption!.years).toISOString(),
      })),
    };
  });
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
    const base = { requestId, systemId: xref.systemId, action, localId: xref.localId, attempts: 0, exemptions: [], updatedAt: at.toISOString() };
    const fields = system ? (opts.fieldsOf?.(system) ?? system.fields.map((f) => f.name)) : [];
    if (system && opts.fieldsOf && fields.length === 0) return [];
    if (!system || !system.capabilities.includes(action)) {
      if (!opts.everySystem) return [];
      return [{
        ...base,
        state: 'skipped' as const,
        fields: [],
        lastError: system
          ? { name: 'NotCapable', message: `the system cannot ${action}: an operator must act` }
          : { name: 'UnregisteredSystem', message: 'the cross-reference names a system that is not registered' },
      }];
    }
    return [{ ...base, state: 'pending' as const, fields: fields.map((name) => ({ name, strategy: action })) }];
  });
}
