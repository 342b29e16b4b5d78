/** The record of processing activities, as a pure function of the catalog, the systems and the configured parties. */
import { describe, expect, it } from 'vitest';
import { purposes } from '#core/consent/catalog.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import { recordOfProcessing, ropaCsv } from '#core/reports/ropa.ts';

const system = (systemId: string, more: Partial<ConnectedSystem> = {}): ConnectedSystem => ({
  systemId,
  name: systemId.toUpperCase(),
  connector: { kind: 'manual', queue: 'privacy-operators' },
  capabilities: ['erase'],
  fields: [{ name: 'email', category: 'contact', strategy: 'null' }],
  recipient: false,
  concurrency: 4,
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...more,
});
const parties = { controller: { name: 'Bank', contact: null }, dpoContact: null };
const now = new Date('2026-12-04T00:00:00Z');

describe('recordOfProcessing', () => {
  it('has one activity per catalog purpose, then one per system in id order', () => {
    const r = recordOfProcessing([system('b'), system('a')], parties, now);
    expect(r.activities.map((a) => a.id)).toEqual([...purposes.map((p) => `purpose:${p}`), 'system:a', 'system:b']);
    expect(r.generatedAt).toBe('2026-12-04T00:00:00.000Z');
    expect(r.controller).toEqual({ name: 'Bank', contact: null });
  });

  it("says a retained field's time limit with its basis, and a missing registration as a gap", () => {
    const kept = system('core', {
      fields: [
        {
          name: 'iban',
          category: 'financial',
          strategy: 'retain',
          exemption: { basis: 'AML', years: 5, from: 'relationship_end' },
        },
      ],
    });
    const [a] = recordOfProcessing([kept], parties, now).activities.filter((x) => x.id === 'system:core');
    expect(a.retention).toEqual(['iban: kept 5 years from the end of the relationship for AML']);
    expect(a.gaps).toHaveLength(1);
    expect(a.legalBases).toEqual([]);
  });

  it('joins a purpose to the systems that name it, and neutralizes formulas in every CSV cell', () => {
    const crm = system('crm', {
      processing: {
        purposes: ['analytics'],
        legalBases: ['consent'],
        subjects: ['=cmd|calc'],
        recipients: ['@partner'],
        transfers: [],
        retention: '+1 year',
      },
    });
    const r = recordOfProcessing([crm, system('other')], parties, now);
    const analytics = r.activities.find((a) => a.id === 'purpose:analytics');
    expect(analytics).toMatchObject({ systems: ['crm'], subjects: ['=cmd|calc'], gaps: [] });
    expect(r.activities.find((a) => a.id === 'purpose:sale')?.systems).toEqual([]);
    const csv = ropaCsv(r);
    expect(csv).toContain(",'=cmd|calc,");
    expect(csv).toContain(",'@partner,");
    expect(csv).toContain(",'+1 year,");
    expect(csv).not.toMatch(/,[=+@]/);
  });
});
