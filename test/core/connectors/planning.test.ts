/**
 * Erasure planning: one task per cross-reference (GDPR Art. 17(1), Art. 19: every system that holds
 * the subject), retained fields as exemptions with basis and end date (Art. 17(3)(b),(e); EU AMLD
 * Art. 40 and 31 CFR 1010.430: AML records kept 5 years), and systems that cannot act named, not hidden.
 */
import { describe, expect, it } from 'vitest';
import { planErasure, planFollowUpErasure } from '#core/connectors/planning.ts';
import { systemInputSchema, type ConnectedSystem, type FieldRule } from '#core/connectors/system.ts';
import type { CrossReference } from '#core/ecif/customer.ts';

const at = new Date('2025-03-15T10:00:00.000Z');
const since = '2020-01-01T00:00:00.000Z';
const xref = (systemId: string, localId: string): CrossReference => ({ systemId, localId, since });

function system(
  systemId: string,
  capabilities: ConnectedSystem['capabilities'],
  fields: FieldRule[] = [],
): ConnectedSystem {
  return {
    systemId,
    name: systemId,
    connector: { kind: 'manual', queue: 'privacy-operators' },
    capabilities,
    fields,
    recipient: false,
    concurrency: 4,
    updatedAt: since,
  };
}

const aml = { basis: 'AML record-keeping', citation: 'EU AMLD Art. 40; 31 CFR 1010.430', years: 5 };
const crm = system(
  'crm',
  ['erase', 'access'],
  [
    { name: 'email', category: 'contact', strategy: 'null' },
    { name: 'name', category: 'identity', strategy: 'redact' },
    { name: 'birthDate', category: 'demographic', strategy: 'generalize' },
  ],
);
const bank = system(
  'core-banking',
  ['erase', 'verify'],
  [
    { name: 'accountHolder', category: 'identity', strategy: 'hash' },
    { name: 'transactions', category: 'financial', strategy: 'retain', exemption: aml },
    {
      name: 'taxRecords',
      category: 'financial',
      strategy: 'retain',
      exemption: { basis: 'legal obligation: tax', years: 10 },
    },
  ],
);
const readOnly = system('warehouse', ['access']);

describe('planErasure', () => {
  it.each([
    {
      rule: 'an unregistered system is skipped with a reason',
      systemId: 'legacy',
      systems: [crm],
      lastError: { name: 'UnregisteredSystem', message: 'the cross-reference names a system that is not registered' },
    },
    {
      rule: 'a system without the erase capability is skipped: an operator must act',
      systemId: 'warehouse',
      systems: [crm, readOnly],
      lastError: { name: 'NotCapable', message: 'the system cannot erase: an operator must act' },
    },
  ])('$rule', ({ systemId, systems, lastError }) => {
    expect(planErasure('R1', [xref(systemId, 'L-9')], systems, at)).toEqual([
      {
        requestId: 'R1',
        systemId,
        action: 'erase',
        localId: 'L-9',
        attempts: 0,
        updatedAt: '2025-03-15T10:00:00.000Z',
        state: 'skipped',
        fields: [],
        exemptions: [],
        lastError,
      },
    ]);
  });

  it('an erasing system gets its non-retained fields with their strategies, pending', () => {
    expect(planErasure('R1', [xref('crm', 'C-1')], [crm, bank], at)).toEqual([
      {
        requestId: 'R1',
        systemId: 'crm',
        action: 'erase',
        localId: 'C-1',
        attempts: 0,
        updatedAt: '2025-03-15T10:00:00.000Z',
        state: 'pending',
        fields: [
          { name: 'email', strategy: 'null' },
          { name: 'name', strategy: 'redact' },
          { name: 'birthDate', strategy: 'generalize' },
        ],
        exemptions: [],
      },
    ]);
  });

  it('retained fields become exemptions with basis, citation and until = now + years (GDPR Art. 17(3)(b))', () => {
    const [task] = planErasure('R1', [xref('core-banking', 'ACC-7')], [crm, bank], at);
    expect(task.state).toBe('pending');
    expect(task.fields).toEqual([{ name: 'accountHolder', strategy: 'hash' }]);
    expect(task.exemptions).toEqual([
      {
        field: 'transactions',
        basis: 'AML record-keeping',
        citation: 'EU AMLD Art. 40; 31 CFR 1010.430',
        until: '2030-03-15T10:00:00.000Z',
        afterRetention: 'null',
      },
      {
        field: 'taxRecords',
        basis: 'legal obligation: tax',
        until: '2035-03-15T10:00:00.000Z',
        afterRetention: 'null',
      },
    ]);
    expect(task.exemptions[1]).not.toHaveProperty('citation');
  });

  it.each([
    { case: 'an ordinary day', at: '2025-03-15T10:00:00.000Z', years: 5, until: '2030-03-15T10:00:00.000Z' },
    {
      case: 'from 29 Feb to a common year',
      at: '2024-02-29T00:00:00.000Z',
      years: 5,
      until: '2029-03-01T00:00:00.000Z',
    },
    { case: 'from 29 Feb to a leap year', at: '2024-02-29T00:00:00.000Z', years: 4, until: '2028-02-29T00:00:00.000Z' },
  ])('exemption end date: $case', ({ at: from, years, until }) => {
    const s = system(
      'archive',
      ['erase'],
      [{ name: 'ledger', category: 'financial', strategy: 'retain', exemption: { basis: 'AML', years } }],
    );
    expect(planErasure('R1', [xref('archive', 'A')], [s], new Date(from))[0].exemptions[0].until).toBe(until);
  });

  // EU AMLD Art. 40: records kept five years after the end of the business relationship.
  const amlFromEnd = { basis: 'AML record-keeping', years: 5, from: 'relationship_end' as const };
  it.each([
    {
      rule: 'AML from the end of the relationship, when the ECIF knows it',
      fields: [{ name: 'ledger', category: 'financial', strategy: 'retain', exemption: amlFromEnd }],
      ended: '2024-01-31',
      erased: [],
      kept: [['ledger', '2029-01-31T00:00:00.000Z', 'null']],
    },
    {
      rule: 'AML from the request, when the end of the relationship is not known',
      fields: [{ name: 'ledger', category: 'financial', strategy: 'retain', exemption: amlFromEnd }],
      ended: undefined,
      erased: [],
      kept: [['ledger', '2030-03-15T10:00:00.000Z', 'null']],
    },
    {
      rule: 'a rule that runs from the request ignores the end of the relationship',
      fields: [
        {
          name: 'ledger',
          category: 'financial',
          strategy: 'retain',
          exemption: { basis: 'tax', years: 10, from: 'request' as const },
        },
      ],
      ended: '2024-01-31',
      erased: [],
      kept: [['ledger', '2035-03-15T10:00:00.000Z', 'null']],
    },
    {
      rule: 'a retention already run out retains nothing: the field is erased now, its after-retention way',
      fields: [
        {
          name: 'ledger',
          category: 'financial',
          strategy: 'retain',
          exemption: amlFromEnd,
          afterRetention: 'redact' as const,
        },
      ],
      ended: '2019-06-30',
      erased: [['ledger', 'redact']],
      kept: [],
    },
    {
      rule: 'the after-retention strategy travels with the exemption; erased fields keep their own',
      fields: [
        { name: 'holder', category: 'identity', strategy: 'hash' },
        {
          name: 'ledger',
          category: 'financial',
          strategy: 'retain',
          exemption: amlFromEnd,
          afterRetention: 'delete_row' as const,
        },
        { name: 'kyc', category: 'identity', strategy: 'retain', exemption: { basis: 'AML', years: 5 } },
      ],
      ended: '2025-01-01',
      erased: [['holder', 'hash']],
      kept: [
        ['ledger', '2030-01-01T00:00:00.000Z', 'delete_row'],
        ['kyc', '2030-03-15T10:00:00.000Z', 'null'],
      ],
    },
  ] as { rule: string; fields: FieldRule[]; ended?: string; erased: string[][]; kept: string[][] }[])(
    'which fields, until when: $rule',
    ({ fields, ended, erased, kept }) => {
      const [task] = planErasure('R1', [xref('bank', 'A')], [system('bank', ['erase'], fields)], at, {
        relationshipEndedOn: ended,
      });
      expect(task.fields.map((f) => [f.name, f.strategy])).toEqual(erased);
      expect(task.exemptions.map((e) => [e.field, e.until, e.afterRetention])).toEqual(kept);
    },
  );

  it('one task per cross-reference, in cross-reference order, each with its own local id and state', () => {
    const tasks = planErasure(
      'R2',
      [xref('core-banking', 'ACC-7'), xref('legacy', 'X'), xref('crm', 'C-1'), xref('warehouse', 'W')],
      [crm, bank, readOnly],
      at,
    );
    expect(tasks.map((t) => [t.systemId, t.localId, t.state, t.requestId])).toEqual([
      ['core-banking', 'ACC-7', 'pending', 'R2'],
      ['legacy', 'X', 'skipped', 'R2'],
      ['crm', 'C-1', 'pending', 'R2'],
      ['warehouse', 'W', 'skipped', 'R2'],
    ]);
  });

  it('no cross-references, no tasks', () => {
    expect(planErasure('R3', [], [crm, bank], at)).toEqual([]);
  });
});

describe('planFollowUpErasure', () => {
  const followUp = { systemId: 'core-banking', localId: 'ACC-7', fields: [{ name: 'transactions', strategy: 'null' }] };
  it('plans the one system with exactly the follow-up fields, no exemptions', () => {
    expect(planFollowUpErasure('F1', followUp, [crm, bank], at)).toEqual([
      {
        requestId: 'F1',
        systemId: 'core-banking',
        action: 'erase',
        localId: 'ACC-7',
        attempts: 0,
        state: 'pending',
        fields: [{ name: 'transactions', strategy: 'null' }],
        exemptions: [],
        updatedAt: at.toISOString(),
      },
    ]);
  });
  it.each([
    { rule: 'a system since unregistered is skipped', systems: [crm], error: 'UnregisteredSystem' },
    {
      rule: 'a system that can no longer erase is skipped',
      systems: [system('core-banking', ['access'])],
      error: 'NotCapable',
    },
  ])('$rule', ({ systems, error }) => {
    const [task] = planFollowUpErasure('F1', followUp, systems, at);
    expect(task).toMatchObject({ state: 'skipped', fields: [], lastError: { name: error } });
  });
});

describe('the field rule (zod): retention and what follows it', () => {
  const aml = { basis: 'AML record-keeping', years: 5 };
  const body = (field: Record<string, unknown>) => ({
    name: 'bank',
    connector: { kind: 'manual' },
    capabilities: ['erase'],
    fields: [{ name: 'ledger', category: 'financial', ...field }],
  });
  it.each([
    {
      case: 'retain with an exemption, no afterRetention (null by default)',
      field: { strategy: 'retain', exemption: aml },
      ok: true,
    },
    { case: 'retain, then masked', field: { strategy: 'retain', exemption: aml, afterRetention: 'mask' }, ok: true },
    {
      case: 'retain, then the row deleted',
      field: { strategy: 'retain', exemption: { ...aml, from: 'relationship_end' }, afterRetention: 'delete_row' },
      ok: true,
    },
    {
      case: 'retain, then retain again (never erased)',
      field: { strategy: 'retain', exemption: aml, afterRetention: 'retain' },
      ok: false,
    },
    {
      case: 'afterRetention on a field that is not retained',
      field: { strategy: 'null', afterRetention: 'redact' },
      ok: false,
    },
    {
      case: 'a retention running from an unknown event',
      field: { strategy: 'retain', exemption: { ...aml, from: 'birth' } },
      ok: false,
    },
    {
      case: 'an unknown strategy after retention',
      field: { strategy: 'retain', exemption: aml, afterRetention: 'shred' },
      ok: false,
    },
  ])('$case: valid=$ok', ({ field, ok }) => {
    const parsed = systemInputSchema.safeParse(body(field));
    expect(parsed.success).toBe(ok);
    // A refusal names the field it refuses; an accepted body has no issues at all.
    expect(parsed.error?.issues[0].path.slice(0, 2)).toEqual(ok ? undefined : ['fields', 0]);
  });
});
