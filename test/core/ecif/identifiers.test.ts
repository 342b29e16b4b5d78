/**
 * Identifier normalization (the same person typed two ways is one index key) and keyed hashing
 * (index keys are HMAC-SHA256 with a secret pepper: an identifier never appears in clear in a key).
 */
import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  createIdentityHasher,
  identityKeysOf,
  localIdKind,
  normalizeEmail,
  normalizeNationalId,
  normalizePhone,
  sameKey,
} from '#core/ecif/identifiers.ts';
import { InvalidInputError } from '#core/shared/errors.ts';

const pepper = 'unit-test-pepper-0123456789';
const hash = createIdentityHasher(pepper);

describe('normalizeEmail', () => {
  it.each([
    { input: 'alice@example.com', normalized: 'alice@example.com' },
    { input: 'Alice@Example.COM', normalized: 'alice@example.com' },
    { input: '  alice@example.com\t\n', normalized: 'alice@example.com' },
    { input: ' ALICE.SMITH+news@Example.org ', normalized: 'alice.smith+news@example.org' },
  ])('$input -> $normalized', ({ input, normalized }) => {
    expect(normalizeEmail(input)).toBe(normalized);
  });

  it.each(['', 'alice', 'alice@', '@example.com', 'alice@example', 'al ice@example.com', 'alice@@example.com'])(
    'refuses %j',
    (input) => {
      expect(() => normalizeEmail(input)).toThrow(InvalidInputError);
      try {
        normalizeEmail(input);
      } catch (err) {
        expect((err as InvalidInputError).extensions).toEqual({ field: 'email' });
        // The message names the problem, never the value.
        if (input) expect((err as Error).message).not.toContain(input);
      }
    },
  );
});

describe('normalizePhone: to E.164', () => {
  // Numbers from Ofcom's drama ranges and the North American 555-01xx range.
  it.each([
    { input: '+442079460123', country: undefined, e164: '+442079460123', form: 'already E.164' },
    { input: '+44 20 7946 0123', country: undefined, e164: '+442079460123', form: 'international, spaced' },
    { input: '+44-20-7946-0123', country: undefined, e164: '+442079460123', form: 'international, dashed' },
    {
      input: '+44 (0)20 7946 0123',
      country: undefined,
      e164: '+442079460123',
      form: 'with the trunk prefix in brackets',
    },
    { input: '  +44 28 9018 0123 ', country: undefined, e164: '+442890180123', form: 'surrounding whitespace' },
    { input: '020 7946 0123', country: 'GB', e164: '+442079460123', form: 'national, with a default country' },
    { input: '+1 (212) 555-0142', country: undefined, e164: '+12125550142', form: 'NANP, punctuated' },
    { input: '212.555.0142', country: 'US', e164: '+12125550142', form: 'NANP national, dotted' },
    { input: 'tel:+12125550142', country: undefined, e164: '+12125550142', form: 'RFC 3966 tel: URI' },
  ] as const)('$form: $input -> $e164', ({ input, country, e164 }) => {
    expect(normalizePhone(input, country)).toBe(e164);
  });

  it.each([
    { input: '020 7946 0123', form: 'national without a default country' },
    { input: '12', form: 'too short' },
    { input: '+1 212 555 014', form: 'a digit short' },
    { input: 'call me', form: 'not a number' },
  ])('refuses $form', ({ input }) => {
    expect(() => normalizePhone(input)).toThrow(InvalidInputError);
  });

  it('the example its error message gives is itself valid', () => {
    let message = '';
    try {
      normalizePhone('12');
    } catch (err) {
      message = (err as Error).message;
    }
    const example = /e\.g\. (\+\d+)/.exec(message)?.[1];
    expect(example).toBeDefined();
    expect(normalizePhone(example!)).toBe(example);
  });
});

describe('normalizeNationalId', () => {
  it.each([
    { country: 'GB', value: 'QQ123456C', normalized: 'GB:QQ123456C' },
    { country: 'GB', value: 'qq 12 34 56 c', normalized: 'GB:QQ123456C' },
    { country: 'gb', value: 'QQ-12-34-56-C', normalized: 'GB:QQ123456C' },
    { country: 'US', value: '078-05-1120', normalized: 'US:078051120' },
    { country: 'FR', value: '1.85.05.78.006.084', normalized: 'FR:1850578006084' },
    { country: 'DE', value: '12/345/67890', normalized: 'DE:1234567890' },
  ])('$country $value -> $normalized', ({ country, value, normalized }) => {
    expect(normalizeNationalId(country, value)).toBe(normalized);
  });

  it.each([
    { value: 'AB1', why: 'shorter than 4' },
    { value: 'A'.repeat(33), why: 'longer than 32' },
    { value: 'QQ12_3456', why: 'a character that is not a separator' },
    { value: ' - . / ', why: 'only separators' },
  ])('refuses $why', ({ value }) => {
    expect(() => normalizeNationalId('GB', value)).toThrow(InvalidInputError);
  });
});

describe('createIdentityHasher', () => {
  it('is HMAC-SHA256 keyed by the pepper over kind NUL value', () => {
    expect(hash('email', 'alice@example.com')).toBe(
      createHmac('sha256', pepper).update('email\u0000alice@example.com').digest('hex'),
    );
  });

  it('refuses a pepper shorter than 16 characters', () => {
    expect(() => createIdentityHasher('short-pepper')).toThrow('identifier pepper too short');
    expect(() => createIdentityHasher('x'.repeat(16))).not.toThrow();
  });

  it('property: keyed (another pepper, another hash), kind-separated, deterministic, never the input', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 16 }), fc.string({ minLength: 16 }), fc.string(), (p1, p2, value) => {
        fc.pre(p1 !== p2);
        const h1 = createIdentityHasher(p1);
        const h2 = createIdentityHasher(p2);
        expect(h1('email', value)).toBe(h1('email', value));
        expect(h1('email', value)).toMatch(/^[0-9a-f]{64}$/);
        expect(h1('email', value)).not.toBe(h2('email', value));
        expect(h1('email', value)).not.toBe(h1('phone', value));
        expect(h1('email', value)).not.toBe(value);
        if (value.length >= 8) expect(h1('email', value)).not.toContain(value);
      }),
    );
  });
});

describe('identityKeysOf', () => {
  it('gives one key per identifier, normalized then hashed, in a fixed order', () => {
    const keys = identityKeysOf(
      {
        systemRef: { systemId: 'crm', localId: 'C-00042' },
        nationalId: { country: 'GB', value: 'qq 12 34 56 c' },
        phone: '+44 20 7946 0123',
        email: ' Alice@Example.com ',
      },
      hash,
    );
    expect(keys).toEqual([
      { kind: 'email', hash: hash('email', 'alice@example.com') },
      { kind: 'phone', hash: hash('phone', '+442079460123') },
      { kind: 'national_id', hash: hash('national_id', 'GB:QQ123456C') },
      { kind: 'sys.crm', hash: hash('sys.crm', 'C-00042') },
    ]);
  });

  it('the same person typed two ways is the same key', () => {
    const a = identityKeysOf({ email: 'ALICE@example.com', phone: '+44 (0)20 7946 0123' }, hash);
    const b = identityKeysOf({ email: 'alice@EXAMPLE.com ', phone: '+442079460123' }, hash);
    expect(a).toEqual(b);
  });

  it('a system local id is taken as given (case matters) and scoped by system', () => {
    const [upper] = identityKeysOf({ systemRef: { systemId: 'crm', localId: 'ABC' } }, hash);
    const [lower] = identityKeysOf({ systemRef: { systemId: 'crm', localId: 'abc' } }, hash);
    const [other] = identityKeysOf({ systemRef: { systemId: 'billing', localId: 'ABC' } }, hash);
    expect(localIdKind('crm')).toBe('sys.crm');
    expect(upper.kind).toBe('sys.crm');
    expect(other.kind).toBe('sys.billing');
    expect(sameKey(upper, lower)).toBe(false);
    expect(upper.hash).not.toBe(other.hash);
  });

  it('no identifiers, no keys; an invalid one throws rather than being dropped', () => {
    expect(identityKeysOf({}, hash)).toEqual([]);
    expect(() => identityKeysOf({ email: 'alice@example.com', phone: 'nope' }, hash)).toThrow(InvalidInputError);
  });

  it('sameKey compares kind and hash', () => {
    expect(sameKey({ kind: 'email', hash: 'h' }, { kind: 'email', hash: 'h' })).toBe(true);
    expect(sameKey({ kind: 'email', hash: 'h' }, { kind: 'phone', hash: 'h' })).toBe(false);
    expect(sameKey({ kind: 'email', hash: 'h' }, { kind: 'email', hash: 'g' })).toBe(false);
  });
});
