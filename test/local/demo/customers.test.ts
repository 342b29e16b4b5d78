import { describe, expect, it } from 'vitest';
import { customerInputSchema } from '#core/ecif/customer.ts';
import { normalizeEmail, normalizeNationalId, normalizePhone } from '#core/ecif/identifiers.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import { captureInputSchema, decisionInputSchema } from '#core/consent/consent.ts';
import { requestInputSchema } from '#core/requests/request.ts';
import {
  coreBankingRecords,
  crmRecords,
  demoCustomers,
  describeCustomers,
  mulberry32,
} from '#infra/local/demo/customers.ts';
import { coreBankingSystem, crmSystem, demoSystems } from '#infra/local/demo/systems.ts';
import { walkthrough } from '#infra/local/demo/walkthrough.ts';

describe('demoCustomers', () => {
  const customers = demoCustomers();

  it('is deterministic: the same seed gives the same customers, another seed others', () => {
    expect(demoCustomers(42, 60)).toEqual(customers);
    expect(JSON.stringify(demoCustomers(42, 60))).toBe(JSON.stringify(customers));
    const other = demoCustomers(7, 60);
    expect(other).not.toEqual(customers);
    expect(other.map((c) => c.input.name)).not.toEqual(customers.map((c) => c.input.name));
    // A prefix of a longer run is the shorter run.
    expect(demoCustomers(42, 10)).toEqual(customers.slice(0, 10));
  });

  it('mulberry32 gives the same stream for the same seed', () => {
    const a = mulberry32(1);
    const b = mulberry32(1);
    const xs = Array.from({ length: 5 }, () => a());
    expect(Array.from({ length: 5 }, () => b())).toEqual(xs);
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it('gives 60 customers by default, C000001 first, ids in sequence', () => {
    expect(customers).toHaveLength(60);
    expect(customers[0].ecifId).toBe('C000001');
    expect(customers.map((c) => c.ecifId)).toEqual(customers.map((_, i) => `C${String(i + 1).padStart(6, '0')}`));
  });

  it('every body is valid for PUT /v1/ecif/customers/{ecifId} and round-trips the schema unchanged', () => {
    for (const c of customers) {
      const parsed = customerInputSchema.safeParse(c.input);
      expect(parsed.success, `${c.ecifId}: ${parsed.error?.message}`).toBe(true);
      expect(parsed.data).toEqual(c.input);
      expect(c.email).toBe(c.input.emails[0]);
    }
  });

  it('uses only reserved identifiers, valid for the ECIF normalizers, and none twice', () => {
    for (const count of [60, 999]) {
      const all = demoCustomers(3, count);
      const emails = all.flatMap((c) => c.input.emails.map(normalizeEmail));
      const phones = all.flatMap((c) => c.input.phones.map((p) => normalizePhone(p)));
      const nationalIds = all.flatMap((c) => c.input.nationalIds.map((n) => normalizeNationalId(n.country, n.value)));
      const localIds = all.flatMap((c) => c.input.crossReferences.map((x) => `${x.systemId}:${x.localId}`));
      for (const list of [emails, phones, nationalIds, localIds]) expect(new Set(list).size).toBe(list.length);
      expect(emails.every((e) => /@example\.(com|org)$/.test(e))).toBe(true);
      expect(
        phones.every(
          (p) =>
            /^\+44(2079460|1614960|1174960|1134960|1314960|2890180)\d{3}$/.test(p) || /^\+1\d{3}55501\d{2}$/.test(p),
        ),
      ).toBe(true);
      expect(nationalIds.every((n) => n.startsWith('GB:QQ'))).toBe(true);
    }
  });

  it('holds each customer in the CRM and core banking per its cross-references: most in both, some in one', () => {
    for (const c of customers) {
      const crm = c.input.crossReferences.find((x) => x.systemId === 'crm');
      const core = c.input.crossReferences.find((x) => x.systemId === 'core-banking');
      expect(crm?.localId).toBe(c.crm?.contactId);
      expect(core?.localId).toBe(c.coreBanking?.accountId);
      expect(crm || core).toBeTruthy();
    }
    for (const c of customers.filter((c) => c.crm))
      expect(c.crm).toMatchObject({ firstName: c.input.name.given, lastName: c.input.name.family, email: c.email });
    for (const c of customers.filter((c) => c.coreBanking)) {
      expect(c.coreBanking).toMatchObject({
        dateOfBirth: c.input.birthDate,
        email: c.email,
        phone: c.input.phones[0],
      });
    }
    // The walkthrough's customers are in both.
    for (const c of customers.slice(0, 3)) expect(c.crm && c.coreBanking).toBeTruthy();
    expect(customers[0].crm?.contactId).toBe('CRM-1');
    expect(customers[1].crm?.contactId).toBe('CRM-2');
    const both = customers.filter((c) => c.crm && c.coreBanking).length;
    const crmOnly = customers.filter((c) => c.crm && !c.coreBanking).length;
    const coreOnly = customers.filter((c) => !c.crm && c.coreBanking).length;
    expect(both).toBeGreaterThan(40);
    expect(crmOnly).toBeGreaterThan(0);
    expect(coreOnly).toBeGreaterThan(0);
    expect(crmRecords(customers)).toHaveLength(both + crmOnly);
    expect(coreBankingRecords(customers)).toHaveLength(both + coreOnly);
    expect(describeCustomers(customers, 42)).toBe(
      `60 ECIF customers (seed 42): ${both} in CRM and core banking, ${crmOnly} in CRM only, ${coreOnly} in core banking only`,
    );
  });

  it('refuses a count out of range', () => {
    expect(() => demoCustomers(42, 0)).toThrow();
    expect(() => demoCustomers(42, 1000)).toThrow();
  });
});

describe('demo systems', () => {
  it('both registration bodies are valid for PUT /v1/systems/{systemId}', () => {
    const crm = systemInputSchema.parse(crmSystem('http://127.0.0.1:4010/webhook'));
    expect(crm.connector).toEqual({
      kind: 'http',
      url: 'http://127.0.0.1:4010/webhook',
      mode: 'sync',
      timeoutMs: 5000,
    });
    const core = systemInputSchema.parse(coreBankingSystem());
    expect(core.connector).toEqual({
      kind: 'dynamodb',
      table: 'custodian-connected-core-banking',
      keyAttribute: 'accountId',
    });
    expect(systemInputSchema.parse(coreBankingSystem('other-table')).connector).toMatchObject({ table: 'other-table' });
    expect(Object.keys(demoSystems({ crmUrl: 'http://127.0.0.1:1/webhook' }))).toEqual(['crm', 'core-banking']);
  });

  it('varies the strategies and retains financial records under the AML exemption only', () => {
    const crm = systemInputSchema.parse(crmSystem('http://127.0.0.1:4010/webhook'));
    const core = systemInputSchema.parse(coreBankingSystem());
    const used = new Set([...crm.fields, ...core.fields].map((f) => f.strategy));
    expect([...used].sort()).toEqual(['generalize', 'hash', 'mask', 'null', 'redact', 'retain']);
    const retained = core.fields.filter((f) => f.strategy === 'retain');
    expect(retained.map((f) => f.name)).toEqual(['accountNumber', 'balance', 'kycDocumentRef', 'transactionSummary']);
    for (const f of retained)
      expect(f.exemption).toEqual({
        basis: 'AML record-keeping',
        citation: 'EU AMLD Art. 40; 31 CFR 1010.430',
        years: 5,
        from: 'relationship_end',
      });
    // Once the retention ends, the follow-up erases each its own way.
    expect(retained.map((f) => f.afterRetention)).toEqual(['mask', 'null', 'null', 'redact']);
    // Every field a system erases is one its records hold.
    const [c] = demoCustomers(42, 1);
    for (const f of crm.fields) expect(Object.keys(c.crm!)).toContain(f.name);
    for (const f of core.fields.filter((x) => x.name !== 'nationalId'))
      expect(Object.keys(c.coreBanking!)).toContain(f.name);
  });
});

describe('walkthrough', () => {
  const customers = demoCustomers();
  const tokens = { customer: 'tok.cust', crm: 'tok.crm', auditor: 'tok.aud', operator: 'tok.op', steward: 'tok.stew' };
  const text = walkthrough({
    apiUrl: 'http://127.0.0.1:3000/',
    crmUrl: 'http://127.0.0.1:4010/webhook',
    tokens,
    customer: customers[0],
    erasureSubject: customers[1],
  });
  const bodies = [...text.matchAll(/-d '([^']*)'/g)].map((m) => JSON.parse(m[1]));

  it('exports the URLs and one variable per token', () => {
    expect(text).toContain(`export API='http://127.0.0.1:3000' CRM_URL='http://127.0.0.1:4010'`);
    for (const [role, t] of Object.entries(tokens)) expect(text).toContain(`export ${role.toUpperCase()}='${t}'`);
  });

  it('has bodies valid for their routes, in order: consent, decision, erasure, access', () => {
    expect(bodies).toHaveLength(4);
    expect(requestInputSchema.safeParse(bodies[3]).success).toBe(true);
    expect(bodies[3]).toEqual({ type: 'access', jurisdiction: 'GDPR', identifiers: { email: customers[0].email } });
    expect(captureInputSchema.safeParse(bodies[0]).success).toBe(true);
    expect(decisionInputSchema.safeParse(bodies[1]).success).toBe(true);
    expect(bodies[1]).toEqual({ ecifId: 'C000001', purpose: 'marketing', channel: 'email' });
    expect(requestInputSchema.safeParse(bodies[2]).success).toBe(true);
    expect(bodies[2]).toEqual({ type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: customers[1].email } });
    expect(bodies[2].identifiers.email).not.toBe(customers[0].email);
  });

  it('calls each route with a role the route allows', () => {
    expect(text).toContain('curl -s $API/health');
    expect(text).toMatch(/POST \$API\/v1\/consents -H "Authorization: Bearer \$CUSTOMER"/);
    expect(text).toMatch(/POST \$API\/v1\/consent-decisions -H "Authorization: Bearer \$CRM"/);
    expect(text).toMatch(/POST \$API\/v1\/privacy-requests -H 'content-type: application\/json'/);
    expect(text).toContain('curl -s $API/v1/privacy-requests/$REQ -H "Authorization: Bearer $OPERATOR"');
    expect(text).toContain('curl -s $API/v1/systems -H "Authorization: Bearer $OPERATOR"');
    expect(text).toContain('curl -s $CRM_URL/contacts/CRM-1');
    expect(text.match(/curl -s \$CRM_URL\/contacts\/CRM-2/g)).toHaveLength(2);
  });
});
