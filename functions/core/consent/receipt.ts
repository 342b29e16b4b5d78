/**
 * The consent receipt of a capture, with the fields of the Kantara Initiative Consent Receipt
 * Specification v1.1: who collected what consent, from whom, for which purposes, how and when.
 * Built from the ledger events of one capture (they share its receiptId) and the catalog.
 */
import { noticeVersion, purposeCatalog, type Purpose } from './catalog.ts';
import type { ConsentEvent } from './consent.ts';

/** The data controller named in every receipt (from the deployment's configuration). */
export interface Controller {
  piiController: string;
  contact: string;
  address: string;
  email: string;
  phone: string;
  piiControllerUrl: string;
}

const categoriesOf: Record<Purpose, string[]> = {
  marketing: ['Marketing'],
  profiling: ['Marketing', 'Profiling'],
  analytics: ['Service improvement'],
  third_party_sharing: ['Third-party sharing'],
  sale: ['Sale of personal information'],
  sensitive_data_use: ['Sensitive data processing'],
};

export function consentReceipt(events: ConsentEvent[], controller: Controller) {
  const first = events[0];
  const notice = noticeVersion(first.notice.id, first.notice.version);
  const byPurpose = new Map<Purpose, ConsentEvent[]>();
  for (const e of events) byPurpose.set(e.purpose, [...(byPurpose.get(e.purpose) ?? []), e]);
  return {
    version: 'KI-CR-v1.1.0',
    jurisdiction: first.jurisdiction === 'GDPR' ? 'EU' : 'US-CA',
    consentTimestamp: Math.floor(Date.parse(first.capturedAt) / 1000),
    collectionMethod: first.method,
    consentReceiptID: first.receiptId,
    language: notice?.language ?? 'en',
    piiPrincipalId: first.ecifId,
    piiControllers: [controller],
    policyUrl: notice?.url ?? controller.piiControllerUrl,
    notice: { id: first.notice.id, version: first.notice.version },
    services: [
      {
        service: controller.piiController,
        purposes: [...byPurpose.entries()].map(([purpose, choices]) => ({
          purpose: purposeCatalog[purpose].title,
          purposeCategory: categoriesOf[purpose],
          consentType: first.lawfulBasis === 'consent' ? 'EXPLICIT' : 'NOT-CONSENT',
          piiCategory:
            purpose === 'sensitive_data_use' ? ['Sensitive personal data'] : ['Contact details', 'Customer profile'],
          primaryPurpose: false,
          termination: choices.some((c) => c.expiresAt)
            ? `Ends ${choices.find((c) => c.expiresAt)!.expiresAt}; withdraw at any time`
            : 'Until withdrawn; withdraw at any time',
          thirdPartyDisclosure: purposeCatalog[purpose].optOut !== undefined,
          // Not Kantara's: the choice per channel this receipt proves.
          choices: choices.map((c) => ({ channel: c.channel, state: c.state, eventId: c.eventId })),
        })),
      },
    ],
    sensitive: events.some((e) => purposeCatalog[e.purpose].sensitive),
    spiCat: events.some((e) => purposeCatalog[e.purpose].sensitive)
      ? ['Sensitive data as defined by GDPR Art. 9 / CCPA §1798.140(ae)']
      : [],
  };
}

export type ConsentReceipt = ReturnType<typeof consentReceipt>;

export const defaultController: Controller = {
  piiController: 'Example Bank plc',
  contact: 'Data Protection Officer',
  address: '1 Example Street, London EC2A 1AA, GB',
  email: 'dpo@bank.example',
  phone: '+44 20 7946 0000',
  piiControllerUrl: 'https://bank.example/privacy',
};
