/**
 * The consent catalog, in one place: the purposes and channels, each purpose's model per jurisdiction
 * (opt-in under GDPR Art. 6(1)(a)/7; opt-out for sale and sharing under CCPA §1798.120), whether a
 * material change of its notice asks for consent again, and the notices with their versions.
 */
import { createHash } from 'node:crypto';

export const purposes = [
  'marketing',
  'profiling',
  'analytics',
  'third_party_sharing',
  'sale',
  'sensitive_data_use',
] as const;
export type Purpose = (typeof purposes)[number];
export const channels = ['email', 'sms', 'phone', 'post', 'push', 'in_app', 'any'] as const;
export type Channel = (typeof channels)[number];
export type ConsentModel = 'opt_in' | 'opt_out';

export interface PurposeEntry {
  title: string;
  description: string;
  /** What holds without any recorded choice: opt_in denies, opt_out allows until the person opts out. */
  model: Record<'GDPR' | 'CCPA', ConsentModel>;
  /** A grant given under a notice version older than a later material version no longer counts. */
  reconsentOnMaterialChange: boolean;
  /** Direct marketing: an objection (GDPR Art. 21(3)) stops it unconditionally. */
  directMarketing: boolean;
  /** Stopped by a CCPA opt-out of sale (sale) or of sharing (sharing). */
  optOut?: 'sale' | 'sharing';
  /** Stopped by a limit on the use of sensitive personal information (CCPA §1798.121). */
  sensitive: boolean;
  /** The notice a privacy center shows beside this purpose (and names when it captures a choice). */
  notice: string;
  /**
   * The channels a customer chooses between for this purpose: direct marketing per contact channel,
   * the other purposes as a whole (`any`), so the privacy center never offers "analytics by SMS".
   */
  channels: readonly Channel[];
}

const contactChannels = ['email', 'sms', 'phone', 'post', 'push', 'in_app'] as const satisfies readonly Channel[];

export const purposeCatalog: Record<Purpose, PurposeEntry> = {
  marketing: {
    title: 'Marketing',
    description: 'Offers and news about our products, on the channels you choose.',
    model: { GDPR: 'opt_in', CCPA: 'opt_in' },
    reconsentOnMaterialChange: true,
    directMarketing: true,
    sensitive: false,
    notice: 'marketing-notice',
    channels: contactChannels,
  },
  profiling: {
    title: 'Profiling for marketing',
    description: 'Using what we know about you to choose which offers to show you.',
    model: { GDPR: 'opt_in', CCPA: 'opt_in' },
    reconsentOnMaterialChange: true,
    directMarketing: true,
    sensitive: false,
    notice: 'privacy-notice',
    channels: ['any'],
  },
  analytics: {
    title: 'Analytics',
    description: 'Measuring how our services are used, to improve them.',
    model: { GDPR: 'opt_in', CCPA: 'opt_in' },
    reconsentOnMaterialChange: false,
    directMarketing: false,
    sensitive: false,
    notice: 'privacy-notice',
    channels: ['any'],
  },
  third_party_sharing: {
    title: 'Sharing with partners',
    description: 'Sharing your data with partners for cross-context behavioural advertising.',
    model: { GDPR: 'opt_in', CCPA: 'opt_out' },
    reconsentOnMaterialChange: true,
    directMarketing: false,
    optOut: 'sharing',
    sensitive: false,
    notice: 'privacy-notice',
    channels: ['any'],
  },
  sale: {
    title: 'Sale of personal information',
    description: 'Selling your data to third parties.',
    model: { GDPR: 'opt_in', CCPA: 'opt_out' },
    reconsentOnMaterialChange: true,
    directMarketing: false,
    optOut: 'sale',
    sensitive: false,
    notice: 'privacy-notice',
    channels: ['any'],
  },
  sensitive_data_use: {
    title: 'Use of sensitive data',
    description: 'Using sensitive data (such as precise location or health) beyond what the service needs.',
    model: { GDPR: 'opt_in', CCPA: 'opt_in' },
    reconsentOnMaterialChange: true,
    directMarketing: false,
    sensitive: true,
    notice: 'privacy-notice',
    channels: ['any'],
  },
};

export interface NoticeVersion {
  version: string;
  effective: string;
  /** A material change asks for consent again (for purposes that say so); an editorial one does not. */
  material: boolean;
  language: string;
  url: string;
  text: string;
}

/** Each notice's versions, oldest first. */
export const notices: Record<string, NoticeVersion[]> = {
  'privacy-notice': [
    {
      version: '1',
      effective: '2024-01-01',
      material: true,
      language: 'en',
      url: 'https://bank.example/privacy/v1',
      text: 'We use your data to run your accounts and, with your consent, for marketing.',
    },
    {
      version: '2',
      effective: '2024-09-01',
      material: false,
      language: 'en',
      url: 'https://bank.example/privacy/v2',
      text: 'We use your data to run your accounts and, with your consent, for marketing. Contact details updated.',
    },
    {
      version: '3',
      effective: '2025-06-01',
      material: true,
      language: 'en',
      url: 'https://bank.example/privacy/v3',
      text: 'We use your data to run your accounts and, with your consent, for marketing, profiling for marketing and analytics.',
    },
  ],
  'marketing-notice': [
    {
      version: '3',
      effective: '2025-03-01',
      material: true,
      language: 'en',
      url: 'https://bank.example/marketing/v3',
      text: 'We would like to send you offers by the channels you choose. You can stop at any time.',
    },
  ],
  'marketing-email': [
    {
      version: '1',
      effective: '2025-01-01',
      material: true,
      language: 'en',
      url: 'https://bank.example/marketing-email/v1',
      text: 'Offers and news by email. Unsubscribe at any time.',
    },
  ],
};

export const noticeTextHash = (n: NoticeVersion) => createHash('sha256').update(n.text).digest('hex');

export function noticeVersion(id: string, version: string): NoticeVersion | undefined {
  return notices[id]?.find((v) => v.version === version);
}

/** Is a grant given under this notice version outdated by a later material version? */
export function outdatedBy(id: string, version: string): NoticeVersion | undefined {
  const versions = notices[id] ?? [];
  const at = versions.findIndex((v) => v.version === version);
  return at < 0 ? undefined : versions.slice(at + 1).find((v) => v.material);
}

/** The catalog as callers see it (GET /v1/consent/catalog): purposes, channels, current notices. */
export function catalogView() {
  return {
    purposes: purposes.map((p) => ({ purpose: p, ...purposeCatalog[p] })),
    channels,
    notices: Object.entries(notices).map(([id, versions]) => {
      const current = versions.at(-1)!;
      return { id, ...current, textHash: noticeTextHash(current), versions: versions.map((v) => v.version) };
    }),
  };
}

/** Purposes that are direct marketing: an objection (GDPR Art. 21(3)) stops them unconditionally. */
export const directMarketing: ReadonlySet<Purpose> = new Set(purposes.filter((p) => purposeCatalog[p].directMarketing));
/** Purposes a CCPA opt-out of sale or sharing (11 CCR §7026) stops. */
export const saleOrSharing: ReadonlySet<Purpose> = new Set(purposes.filter((p) => purposeCatalog[p].optOut));
