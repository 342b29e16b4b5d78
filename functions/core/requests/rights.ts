/**
 * What each right asks of the connected systems, in one table: the system action, whether every
 * system holding the subject must take it (a system that cannot is left to an operator) or only the
 * capable ones, and what the request comes to.
 */
import type { SystemTask } from './request.ts';
import type { Corrections, OutcomeResult, RequestType } from './request.ts';

export interface RightSpec {
  action: SystemTask['action'];
  /** Every system the subject is in must act (Art. 15, 16, 17, 18), or only those able to (opt-outs). */
  everySystem: boolean;
  result: OutcomeResult;
}

export const rights: Record<RequestType, RightSpec> = {
  erasure: { action: 'erase', everySystem: true, result: 'erased' },
  access: { action: 'access', everySystem: true, result: 'report_ready' },
  portability: { action: 'access', everySystem: true, result: 'report_ready' },
  rectification: { action: 'rectify', everySystem: true, result: 'rectified' },
  restriction: { action: 'restrict', everySystem: true, result: 'restricted' },
  objection: { action: 'opt_out', everySystem: false, result: 'opted_out' },
  opt_out_sale_sharing: { action: 'opt_out', everySystem: false, result: 'opted_out' },
  limit_sensitive: { action: 'opt_out', everySystem: false, result: 'opted_out' },
};

/**
 * Which system field holds which corrected value: by name, with the usual aliases. A system whose
 * field is named otherwise lists it under the alias in its registration.
 */
const fieldAliases: Record<keyof Omit<Corrections, 'address'>, readonly string[]> = {
  givenName: ['givenName', 'firstName', 'given_name', 'first_name'],
  familyName: ['familyName', 'lastName', 'surname', 'family_name', 'last_name'],
  email: ['email', 'emailAddress', 'email_address'],
  phone: ['phone', 'phoneNumber', 'mobile', 'phone_number'],
  birthDate: ['birthDate', 'dateOfBirth', 'dob', 'date_of_birth'],
};

/** The corrected value for each of these system fields that holds one. */
export function correctedValues(corrections: Corrections, fieldNames: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, aliases] of Object.entries(fieldAliases) as [keyof typeof fieldAliases, readonly string[]][]) {
    const value = corrections[key];
    if (value === undefined) continue;
    for (const name of fieldNames) if (aliases.includes(name)) out[name] = value;
  }
  if (corrections.address) {
    const a = corrections.address;
    for (const name of fieldNames)
      if (name === 'address') out[name] = [a.line1, a.line2, a.city].filter(Boolean).join(', ');
    for (const name of fieldNames) if (name === 'postcode' && a.postcode) out[name] = a.postcode;
  }
  return out;
}
