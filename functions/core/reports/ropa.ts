/**
 * The record of processing activities (GDPR Art. 30(1)), generated from what Custodian already knows:
 * the consent catalog's purposes, each connected system's fields, processing and retention rules, and
 * the controller and DPO contact from configuration. Nothing here is typed in twice.
 */
import { purposeCatalog, purposes, type Purpose } from '../consent/catalog.ts';
import type { ConnectedSystem, Processing } from '../connectors/system.ts';
import { csvCell } from './access-report.ts';

export interface RopaParty {
  name: string | null;
  contact: string | null;
}

export interface RopaActivity {
  /** `purpose:<id>` for a consent catalog purpose, `system:<id>` for a connected system. */
  id: string;
  name: string;
  purposes: string[];
  legalBases: string[];
  subjects: string[];
  dataCategories: string[];
  recipients: string[];
  transfers: Processing['transfers'];
  /** Art. 30(1)(f): when the data is erased, and what is kept longer and why. */
  retention: string[];
  /** The systems this activity runs in. */
  systems: string[];
  /** What the record does not yet say (a system registered without its processing). */
  gaps: string[];
}

export interface Ropa {
  format: 'custodian-ropa/1';
  generatedAt: string;
  controller: RopaParty;
  dpo: { contact: string | null };
  activities: RopaActivity[];
  securityMeasures: string[];
}

/** Art. 32 measures every deployment has, because Custodian itself is built so (docs/security.md). */
export const securityMeasures = [
  'Encryption at rest of every table and bucket (AWS KMS) and in transit (TLS 1.2 or later)',
  'Role-based access through signed tokens (customer, crm, steward, operator, auditor), least-privilege IAM per function',
  'Identifiers indexed as keyed hashes (HMAC with a secret pepper), never in clear',
  'A signed, hash-chained audit log of every change, verifiable by auditors, with no personal data in it',
  'Requests to connected systems signed (HMAC) and bounded in time and rate',
];

const consentBasis: Record<'opt_in' | 'opt_out', string> = {
  opt_in: 'consent',
  opt_out: 'legitimate_interests',
};

function retentionOf(system: ConnectedSystem): string[] {
  const lines = system.processing ? [system.processing.retention] : [];
  for (const f of system.fields) {
    if (f.strategy !== 'retain' || !f.exemption) continue;
    const from = f.exemption.from === 'relationship_end' ? 'the end of the relationship' : 'the request';
    const citation = f.exemption.citation ? ` (${f.exemption.citation})` : '';
    lines.push(`${f.name}: kept ${f.exemption.years} years from ${from} for ${f.exemption.basis}${citation}`);
  }
  return lines;
}

const uniqueSorted = (values: Iterable<string>) => [...new Set(values)].sort();

function systemActivity(system: ConnectedSystem): RopaActivity {
  const p = system.processing;
  return {
    id: `system:${system.systemId}`,
    name: system.name,
    purposes: p?.purposes.map((x) => (x in purposeCatalog ? purposeCatalog[x as Purpose].title : x)) ?? [],
    legalBases: p?.legalBases ?? [],
    subjects: p?.subjects ?? [],
    dataCategories: uniqueSorted(system.fields.map((f) => f.category)),
    recipients: p?.recipients ?? [],
    transfers: p?.transfers ?? [],
    retention: retentionOf(system),
    systems: [system.systemId],
    gaps: p ? [] : ['processing (purposes, legal bases, recipients, retention) not registered for this system'],
  };
}

function purposeActivity(purpose: Purpose, systems: ConnectedSystem[]): RopaActivity {
  const entry = purposeCatalog[purpose];
  const using = systems.filter((s) => s.processing?.purposes.includes(purpose));
  return {
    id: `purpose:${purpose}`,
    name: entry.title,
    purposes: [entry.description],
    // Under GDPR the catalog's model is the basis: opt-in is consent (Art. 6(1)(a)).
    legalBases: [consentBasis[entry.model.GDPR]],
    subjects: using.length ? uniqueSorted(using.flatMap((s) => s.processing?.subjects ?? [])) : ['customers'],
    dataCategories: uniqueSorted(using.flatMap((s) => s.fields.map((f) => f.category))),
    recipients: uniqueSorted(using.flatMap((s) => s.processing?.recipients ?? [])),
    transfers: using.flatMap((s) => s.processing?.transfers ?? []),
    retention: [
      'A withdrawal stops the processing at once; the consent ledger keeps the choice as proof for the audit retention period',
    ],
    systems: using.map((s) => s.systemId),
    gaps: using.length ? [] : ['no connected system names this purpose in its processing'],
  };
}

export function recordOfProcessing(
  systems: readonly ConnectedSystem[],
  parties: { controller: RopaParty; dpoContact: string | null },
  now: Date,
): Ropa {
  const sorted = [...systems].sort((a, b) => a.systemId.localeCompare(b.systemId));
  return {
    format: 'custodian-ropa/1',
    generatedAt: now.toISOString(),
    controller: parties.controller,
    dpo: { contact: parties.dpoContact },
    activities: [...purposes.map((p) => purposeActivity(p, sorted)), ...sorted.map(systemActivity)],
    securityMeasures,
  };
}

/** One row per activity, lists joined with "; " (a spreadsheet's cell), every cell formula-neutralized. */
export function ropaCsv(r: Ropa): string {
  const header = [
    'activity',
    'name',
    'purposes',
    'legal_bases',
    'data_subjects',
    'data_categories',
    'recipients',
    'transfers',
    'retention',
    'systems',
    'gaps',
    'controller',
    'controller_contact',
    'dpo_contact',
  ];
  const rows = r.activities.map((a) => [
    a.id,
    a.name,
    a.purposes.join('; '),
    a.legalBases.join('; '),
    a.subjects.join('; '),
    a.dataCategories.join('; '),
    a.recipients.join('; '),
    a.transfers.map((t) => `${t.to} (${t.safeguard})`).join('; '),
    a.retention.join('; '),
    a.systems.join('; '),
    a.gaps.join('; '),
    r.controller.name ?? '',
    r.controller.contact ?? '',
    r.dpo.contact ?? '',
  ]);
  return `${[header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
