/**
 * Identity verification by one-time code (GDPR Art. 12(6), 11 CCR §7060-7062). The code goes to a
 * contact point already on file for the resolved customer; a requester who named no one gets the same
 * answer and a code that can never match, so neither the reply nor the record says whether the person
 * exists. Codes: 6 random digits, stored as an HMAC bound to the request, 15 minutes, 5 tries.
 */
import { createHmac, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

export const codeDigits = 6;
export const codeMinutes = 15;
export const maxAttempts = 5;

export function newCode(): string {
  return String(randomInt(0, 10 ** codeDigits)).padStart(codeDigits, '0');
}

export function hashCode(key: string, requestId: string, code: string): string {
  return createHmac('sha256', key).update(`custodian/verification/${requestId}/${code}`).digest('hex');
}

/** A hash no code hashes to: what a request that matched no one is given. */
export function unmatchableHash(): string {
  return randomBytes(32).toString('hex');
}

export function codeMatches(key: string, requestId: string, code: string, stored: string): boolean {
  const given = Buffer.from(hashCode(key, requestId, code), 'hex');
  const held = Buffer.from(stored, 'hex');
  return given.length === held.length && timingSafeEqual(given, held);
}

/** The requester's follow-up key: shown once, stored hashed. */
export function newRequesterKey(): string {
  return randomBytes(24).toString('base64url');
}

export function hashRequesterKey(key: string, requestId: string, requesterKey: string): string {
  return createHmac('sha256', key).update(`custodian/requester-key/${requestId}/${requesterKey}`).digest('hex');
}

export function requesterKeyMatches(
  key: string,
  requestId: string,
  given: string,
  stored: string | undefined,
): boolean {
  if (!stored) return false;
  const a = Buffer.from(hashRequesterKey(key, requestId, given), 'hex');
  const b = Buffer.from(stored, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
