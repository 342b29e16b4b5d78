/**
 * Identifier normalization: the same person typed two ways must hash to the same index key.
 * Normalized values never leave the core in clear: they are HMAC'd with a secret pepper.
 */
import { createHmac } from 'node:crypto';
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js';
import { InvalidInputError } from '#core/shared/errors.ts';

export type IdentifierKind = 'email' | 'phone' | 'national_id';

/** An index key: what `IDX#<kind>#<hash>` and `SUPPRESS#<kind>#<hash>` are built from. */
export interface IdentityKey {
  /** email | phone | national_id | `sys.<systemId>` for a system's local id. */
  kind: string;
  hash: string;
}

export function normalizeEmail(value: string): string {
  const v = value.trim().toLowerCase();
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))
    throw new InvalidInputError('an email address is not valid', { field: 'email' });
  return v;
}

export function normalizePhone(value: string, defaultCountry?: CountryCode): string {
  const parsed = parsePhoneNumberFromString(value.trim(), defaultCountry);
  if (!parsed?.isValid())
    throw new InvalidInputError('a phone number is not valid (use E.164, e.g. +442079460123)', { field: 'phone' });
  return parsed.number; // E.164
}

/** National ids: country prefix, upper case, separators dropped (e.g. "GB:QQ123456C"). */
export function normalizeNationalId(country: string, value: string): string {
  const v = value.replace(/[\s\-./]/g, '').toUpperCase();
  if (!/^[A-Z0-9]{4,32}$/.test(v)) throw new InvalidInputError('a national id is not valid', { field: 'nationalId' });
  return `${country.toUpperCase()}:${v}`;
}

export type IdentityHasher = (kind: string, normalized: string) => string;

/** HMAC-SHA256 keyed by the pepper; the kind is part of the input so kinds never collide. */
export function createIdentityHasher(pepper: string): IdentityHasher {
  if (pepper.length < 16) throw new Error('identifier pepper too short');
  return (kind, normalized) => createHmac('sha256', pepper).update(`${kind}\u0000${normalized}`).digest('hex');
}

export function localIdKind(systemId: string): string {
  return `sys.${systemId}`;
}

export interface SubjectIdentifiers {
  email?: string;
  phone?: string;
  nationalId?: { country: string; value: string };
  systemRef?: { systemId: string; localId: string };
}

/** Every index key a set of identifiers maps to, normalized then hashed. */
export function identityKeysOf(ids: SubjectIdentifiers, hash: IdentityHasher): IdentityKey[] {
  const keys: IdentityKey[] = [];
  if (ids.email) keys.push({ kind: 'email', hash: hash('email', normalizeEmail(ids.email)) });
  if (ids.phone) keys.push({ kind: 'phone', hash: hash('phone', normalizePhone(ids.phone)) });
  if (ids.nationalId) {
    keys.push({
      kind: 'national_id',
      hash: hash('national_id', normalizeNationalId(ids.nationalId.country, ids.nationalId.value)),
    });
  }
  if (ids.systemRef) {
    const kind = localIdKind(ids.systemRef.systemId);
    keys.push({ kind, hash: hash(kind, ids.systemRef.localId) });
  }
  return keys;
}

export const sameKey = (a: IdentityKey, b: IdentityKey) => a.kind === b.kind && a.hash === b.hash;
