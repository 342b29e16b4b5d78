/**
 * The access / portability report (GDPR Art. 15 and 20; CCPA §1798.110, 11 CCR §7024): what the ECIF
 * holds, each connected system's categories, source, retention and recipients, what each system
 * answered, and the consents. JSON (machine-readable, for portability) and CSV. National ids, SSNs
 * and account numbers never appear in full (11 CCR §7024(d)): only their last four characters.
 */
import type { ConsentFlags, CurrentConsent } from '../consent/consent.ts';
import type { ConnectedSystem } from '../connectors/system.ts';
import type { CrossReference, GoldenRecord } from '../ecif/customer.ts';
import type { PrivacyRequest } from '../requests/request.ts';

/** Field names whose values are masked wherever they appear. */
const sensitiveName = /national|ssn|social.?security|tax.?id|passport|account.?(number|no)|iban|card.?number|^pan$/i;

export function mask(value: unknown): string {
  const text = String(value ?? '');
  const tail = text.replace(/\s+/g, '').slice(-4);
  return text.length <= 4 ? '••••' : `••••${tail}`;
}

function masked(data: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(data).map(([k, v]) => [k, sensitiveName.test(k) && v !== null && v !== undefined ? mask(v) : v]),
  );
}

export interface SystemSection {
  system: ConnectedSystem | undefined;
  crossReference: CrossReference;
  /** What the system answered; undefined when it could not be asked (an operator gathers it). */
  data: Record<string, unknown> | undefined;
  state: string;
}

export function buildAccessReport(input: {
  request: PrivacyRequest;
  record: GoldenRecord;
  consents: { states: CurrentConsent[]; flags: ConsentFlags };
  systems: SystemSection[];
  generatedAt: string;
}) {
  const { request, record } = input;
  return {
    format: 'custodian-access-report/1',
    requestId: request.id,
    type: request.type,
    jurisdiction: request.jurisdiction,
    generatedAt: input.generatedAt,
    controller: 'Custodian deployment operator',
    subject: {
      ecifId: record.ecifId,
      name: record.name,
      ...(record.birthDate ? { birthDate: record.birthDate } : {}),
      emails: record.emails ?? [],
      phones: record.phones ?? [],
      addresses: record.addresses ?? [],
      nationalIds: (record.nationalIds ?? []).map((n) => ({ country: n.country, value: mask(n.value) })),
      ...(record.segment ? { segment: record.segment } : {}),
      ...(record.kycStatus ? { kycStatus: record.kycStatus } : {}),
      source: 'ECIF (golden customer record)',
    },
    consents: {
      choices: input.consents.states.map((c) => ({
        purpose: c.purpose,
        channel: c.channel,
        state: c.state,
        since: c.capturedAt,
      })),
      flags: input.consents.flags,
    },
    systems: input.systems.map(
      ({ system, crossReference, data, state }): ReportSystem => ({
        systemId: crossReference.systemId,
        name: system?.name ?? crossReference.systemId,
        localId: crossReference.localId,
        source: crossReference.source ?? 'ECIF cross-reference',
        recipient: system?.recipient ?? false,
        categories: [...new Set((system?.fields ?? []).map((f) => f.category))],
        fields: (system?.fields ?? []).map((f) => ({
          name: f.name,
          category: f.category,
          ...(f.exemption ? { retention: { basis: f.exemption.basis, years: f.exemption.years } } : {}),
        })),
        state,
        ...(data
          ? { data: masked(data) }
          : { note: 'this system could not be queried automatically: an operator completes this part' }),
      }),
    ),
  };
}

export type AccessReport = ReturnType<typeof buildAccessReport>;

interface ReportSystem {
  systemId: string;
  name: string;
  localId: string;
  source: string;
  recipient: boolean;
  categories: string[];
  fields: { name: string; category: string; retention?: { basis: string; years: number } }[];
  state: string;
  data?: Record<string, unknown>;
  note?: string;
}

/** One row per value: section, system, field, category, value (RFC 4180 quoting). */
export function reportCsv(report: AccessReport): string {
  const rows: string[][] = [['section', 'system', 'field', 'category', 'value']];
  const { subject } = report;
  rows.push([
    'subject',
    'ecif',
    'name',
    'identity',
    subject.name ? `${subject.name.given} ${subject.name.family}` : '',
  ]);
  if ('birthDate' in subject) rows.push(['subject', 'ecif', 'birthDate', 'demographic', String(subject.birthDate)]);
  for (const e of subject.emails) rows.push(['subject', 'ecif', 'email', 'contact', e]);
  for (const p of subject.phones) rows.push(['subject', 'ecif', 'phone', 'contact', p]);
  for (const a of subject.addresses)
    rows.push([
      'subject',
      'ecif',
      'address',
      'contact',
      [a.line1, a.line2, a.city, a.postcode, a.country].filter(Boolean).join(', '),
    ]);
  for (const n of subject.nationalIds) rows.push(['subject', 'ecif', `nationalId.${n.country}`, 'identity', n.value]);
  for (const c of report.consents.choices) rows.push(['consent', '', `${c.purpose}/${c.channel}`, 'consent', c.state]);
  for (const s of report.systems) {
    const category = new Map(s.fields.map((f) => [f.name, f.category]));
    for (const [k, v] of Object.entries(s.data ?? {}))
      rows.push([
        'system',
        s.systemId,
        k,
        category.get(k) ?? 'other',
        typeof v === 'object' ? JSON.stringify(v) : String(v ?? ''),
      ]);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}

function csvCell(v: string): string {
  // A leading =, +, - or @ would be a formula in a spreadsheet: quote it behind an apostrophe
  // (a plain signed number, such as a phone number in E.164, is no formula and stays as it is).
  const safe = /^[=+\-@\t\r]/.test(v) && !/^[+-]?[\d\s().]+$/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
