/** What each right asks of the systems, and which system field takes which corrected value. */
import { describe, expect, it } from 'vitest';
import { planAction } from '#core/connectors/planning.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { correctedValues, rights } from '#core/requests/rights.ts';

const system = (
  systemId: string,
  capabilities: ConnectedSystem['capabilities'],
  fields: string[],
): ConnectedSystem => ({
  systemId,
  name: systemId,
  connector: { kind: 'manual', queue: 'q' },
  capabilities,
  recipient: false,
  concurrency: 1,
  updatedAt: '',
  fields: fields.map((name) => ({ name, category: 'contact', strategy: 'null' })),
});
const xref = (systemId: string) => ({ systemId, localId: `L-${systemId}`, since: '' });
const at = new Date('2026-01-01T00:00:00.000Z');

describe('the rights table', () => {
  it.each([
    ['erasure', 'erase', true],
    ['access', 'access', true],
    ['portability', 'access', true],
    ['rectification', 'rectify', true],
    ['restriction', 'restrict', true],
    ['objection', 'opt_out', false],
    ['opt_out_sale_sharing', 'opt_out', false],
    ['limit_sensitive', 'opt_out', false],
  ] as const)('%s: %s on %s', (type, action, everySystem) => {
    expect(rights[type]).toMatchObject({ action, everySystem });
  });
});

describe('planAction', () => {
  const systems = [system('crm', ['access', 'opt_out'], ['email']), system('bank', ['erase'], ['email', 'phone'])];
  it('every system must act (access): one that cannot is skipped for an operator; an unregistered one too', () => {
    const tasks = planAction('R', 'access', [xref('crm'), xref('bank'), xref('ghost')], systems, at, {
      everySystem: true,
    });
    expect(tasks.map((t) => [t.systemId, t.state, t.lastError?.name])).toEqual([
      ['crm', 'pending', undefined],
      ['bank', 'skipped', 'NotCapable'],
      ['ghost', 'skipped', 'UnregisteredSystem'],
    ]);
  });
  it('only the capable systems (opt-out): the others are not planned at all', () => {
    expect(
      planAction('R', 'opt_out', [xref('crm'), xref('bank')], systems, at, { everySystem: false }).map(
        (t) => t.systemId,
      ),
    ).toEqual(['crm']);
  });
  it('a rectification reaches only the systems holding a corrected field, with those fields', () => {
    const tasks = planAction(
      'R',
      'rectify',
      [xref('crm'), xref('bank')],
      [system('crm', ['rectify'], ['firstName']), system('bank', ['rectify'], ['phone', 'email'])],
      at,
      {
        everySystem: true,
        fieldsOf: (s) =>
          Object.keys(
            correctedValues(
              { phone: '+441234' },
              s.fields.map((f) => f.name),
            ),
          ),
      },
    );
    expect(tasks.map((t) => [t.systemId, t.fields.map((f) => f.name)])).toEqual([['bank', ['phone']]]);
  });
});

describe('correctedValues', () => {
  it.each([
    { corrections: { familyName: 'Newman' }, fields: ['lastName', 'firstName'], values: { lastName: 'Newman' } },
    {
      corrections: { givenName: 'Ann', familyName: 'Lee' },
      fields: ['first_name', 'surname'],
      values: { first_name: 'Ann', surname: 'Lee' },
    },
    { corrections: { birthDate: '1980-02-29' }, fields: ['dateOfBirth'], values: { dateOfBirth: '1980-02-29' } },
    { corrections: { email: 'a@b.example' }, fields: ['phone'], values: {} },
    {
      corrections: { address: { line1: '1 High St', city: 'Leeds', postcode: 'LS1 1AA', country: 'GB' } },
      fields: ['address', 'postcode'],
      values: { address: '1 High St, Leeds', postcode: 'LS1 1AA' },
    },
  ])('$corrections into $fields', ({ corrections, fields, values }) => {
    expect(correctedValues(corrections, fields)).toEqual(values);
  });
});
