/**
 * The purpose and channel catalog: one place. Each purpose carries the notice a customer sees.
 * (The consent issue grows this into versioned notices per jurisdiction.)
 */
export const purposes = ['marketing', 'profiling', 'analytics', 'third_party_sharing', 'sale', 'sensitive_data_use'] as const;
export type Purpose = (typeof purposes)[number];
export const channels = ['email', 'sms', 'phone', 'post', 'push', 'in_app', 'any'] as const;
export type Channel = (typeof channels)[number];

/** Purposes that are direct marketing: an objection (GDPR Art. 21(3)) stops them unconditionally. */
export const directMarketing: ReadonlySet<Purpose> = new Set(['marketing', 'profiling']);
/** Purposes a CCPA opt-out of sale or sharing (11 CCR §7026) stops. */
export const saleOrSharing: ReadonlySet<Purpose> = new Set(['sale', 'third_party_sharing']);
