/** The access report: national ids, SSNs and account numbers only masked (11 CCR §7024(d)); a CSV a spreadsheet cannot be tricked by. */
import { describe, expect, it } from 'vitest';
import { noFlags } from '#core/consent/consent.ts';
import { buildAccessReport, mask, reportCsv } from '#core/reports/access-report.ts';
import type { GoldenRecord } from '#core/ecif/customer.ts';
import type { PrivacyRequest } from '#core/requests/request.ts';

const record: GoldenRecord = {
  ecifId: 'C1',
  name: { given: 'Ann', family: 'Lee' },
  addresses: [],
  emails: ['ann@example.com'],
  phones: [],
  status: 'active',
  identities: [],
  nationalIds: [{ country: 'US', value: '123-45-6789' }],
  createdAt: '',
  updatedAt: '',
};
const request = { id: 'R1', type: 'access', jurisdiction: 'CCPA' } as PrivacyRequest;

function report(data: Record<string, unknown>) {
  return buildAccessReport({
    request,
    record,
    consents: { states: [], flags: noFlags },
    generatedAt: '2026-01-01T00:00:00.000Z',
    systems: [
      { system: undefined, crossReference: { systemId: 'bank', localId: 'A1', since: '' }, data, state: 'succeeded' },
    ],
  });
}

describe('access report', () => {
  it.each([
    ['123-45-6789', '••••6789'],
    ['GB29 NWBK 6016 1331 9268 19', '••••6819'],
    ['1234', '••••'],
  ])('mask(%s) keeps the last four only: %s', (value, masked) => {
    expect(mask(value)).toBe(masked);
  });

  it.each(['nationalId', 'ssn', 'accountNumber', 'iban', 'passportNumber', 'taxId', 'cardNumber'])(
    'masks a system field named %s',
    (field) => {
      const r = report({ [field]: 'SECRET-VALUE-9876', email: 'ann@example.com' });
      expect(r.systems[0].data).toEqual({ [field]: '••••9876', email: 'ann@example.com' });
      expect(JSON.stringify(r)).not.toContain('SECRET-VALUE');
    },
  );

  it('masks the golden record national ids', () => {
    expect(report({}).subject.nationalIds).toEqual([{ country: 'US', value: '••••6789' }]);
    expect(reportCsv(report({}))).not.toContain('123-45-6789');
  });

  it('a system not queried says so instead of showing nothing', () => {
    const r = buildAccessReport({
      request,
      record,
      consents: { states: [], flags: noFlags },
      generatedAt: '',
      systems: [
        {
          system: undefined,
          crossReference: { systemId: 'legacy', localId: 'X', since: '' },
          data: undefined,
          state: 'skipped',
        },
      ],
    });
    expect(r.systems[0]).toMatchObject({ state: 'skipped', note: expect.stringContaining('operator') });
  });

  it('CSV: quoted per RFC 4180, formulas neutralized', () => {
    const csv = reportCsv(report({ notes: 'says "hi", twice', evil: '=HYPERLINK("x")' }));
    expect(csv).toContain('system,bank,notes,other,"says ""hi"", twice"');
    expect(csv).toContain(`system,bank,evil,other,"'=HYPERLINK(""x"")"`);
    // A phone number in E.164 is a number, not a formula: left as it is.
    expect(reportCsv(report({ phone: '+15125550101', debt: '-12.50', cmd: '-2+3' }))).toMatch(
      /phone,other,\+15125550101\r\n.*debt,other,-12\.50\r\n.*cmd,other,'-2\+3/s,
    );
  });
});
