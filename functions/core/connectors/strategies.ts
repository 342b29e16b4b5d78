/**
 * Field strategies on erasure. Given the value held, each gives what the system keeps instead.
 * `delete_row` is handled by the connector (the whole record goes); `retain` keeps the value under an exemption.
 */
import { createHmac, randomBytes } from 'node:crypto';
import type { Strategy } from './system.ts';

export const REDACTED = '[REDACTED]';

export function applyStrategy(strategy: Exclude<Strategy, 'delete_row'>, value: unknown, key: string): unknown {
  if (value === null || value === undefined) return value;
  switch (strategy) {
    case 'null':
      return null;
    case 'redact':
      return REDACTED;
    case 'hash':
      return `hmac:${createHmac('sha256', key).update(String(value)).digest('hex').slice(0, 32)}`;
    case 'mask':
      return mask(String(value));
    case 'generalize':
      return generalize(value);
    case 'random':
      return `anon-${randomBytes(6).toString('hex')}`;
    case 'retain':
      return value;
  }
}

/** Keeps the last two characters: enough for a person to recognise, not to identify. */
function mask(v: string): string {
  return v.length <= 2 ? '*'.repeat(v.length) : '*'.repeat(v.length - 2) + v.slice(-2);
}

/** Dates to their year, postcodes to their outward part, numbers to their decade. */
function generalize(value: unknown): unknown {
  if (typeof value === 'number') return Math.floor(value / 10) * 10;
  const v = String(value);
  const date = /^(\d{4})-\d{2}-\d{2}/.exec(v);
  if (date) return date[1];
  const postcode = /^([A-Za-z0-9]{2,4})[\s-]?[A-Za-z0-9]{2,4}$/.exec(v.trim());
  if (postcode) return postcode[1].toUpperCase();
  return REDACTED;
}

/** True when a value read back has the form erasure leaves (read-back verification needs no original). */
export function hasErasedForm(strategy: Strategy, now: unknown): boolean {
  if (now === undefined || now === null) return strategy !== 'retain' || now === null || now === undefined;
  const v = String(now);
  switch (strategy) {
    case 'delete_row':
      return false;
    case 'retain':
      return true;
    case 'null':
      return false;
    case 'redact':
      return v === REDACTED;
    case 'hash':
      return v.startsWith('hmac:');
    case 'mask':
      // At least one '*' unless empty: a short value still in clear is not masked. `[\s\S]`: the kept tail may be a newline.
      return /^(?:\*+[\s\S]{0,2})?$/.test(v);
    case 'generalize':
      // A number is generalized to its decade: 42 or 1985 read back as numbers are still in clear.
      if (typeof now === 'number') return Number.isFinite(now) && now % 10 === 0;
      return /^\d{4}$/.test(v) || /^[A-Z0-9]{2,4}$/.test(v) || v === REDACTED;
    case 'random':
      return v.startsWith('anon-');
  }
}
