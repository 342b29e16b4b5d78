/** The golden-record body a steward sends: what the schema refuses, and why. */
import { describe, expect, it } from 'vitest';
import { customerInputSchema } from '#core/ecif/customer.ts';

const base = { name: { given: 'Ada', family: 'Lovelace' }, emails: ['ada@example.com'] };

describe('customerInputSchema', () => {
  it.each([
    {
      rule: 'one local id per system (a second would be planned then dropped)',
      body: {
        ...base,
        crossReferences: [
          { systemId: 'crm', localId: 'A' },
          { systemId: 'crm', localId: 'B' },
        ],
      },
      path: 'crossReferences',
    },
    { rule: 'unknown fields are refused, not ignored', body: { ...base, isAdmin: true }, path: '' },
    {
      rule: 'a system id is lower-case',
      body: { ...base, crossReferences: [{ systemId: 'CRM', localId: 'A' }] },
      path: 'crossReferences.0.systemId',
    },
    {
      rule: 'a local id has no spaces',
      body: { ...base, crossReferences: [{ systemId: 'crm', localId: 'A B' }] },
      path: 'crossReferences.0.localId',
    },
  ])('refuses: $rule', ({ body, path }) => {
    const parsed = customerInputSchema.safeParse(body);
    expect(parsed.success).toBe(false);
    expect(parsed.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('accepts one cross-reference in each of several systems', () => {
    const parsed = customerInputSchema.parse({
      ...base,
      crossReferences: [
        { systemId: 'crm', localId: 'A' },
        { systemId: 'core-banking', localId: 'A' },
      ],
    });
    expect(parsed.crossReferences).toHaveLength(2);
  });
});
