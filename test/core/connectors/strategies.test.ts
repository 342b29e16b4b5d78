/**
 * Field strategies on erasure (GDPR Art. 17) and the read-back check that needs no original:
 * what each strategy leaves, and that what it leaves is recognised as erased (so a retry skips it
 * and verification proves it), while a value still in clear is not.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyStrategy, hasErasedForm, REDACTED } from '#core/connectors/strategies.ts';
import type { Strategy } from '#core/connectors/system.ts';

const key = 'connector-hash-key-1';
type Applied = Exclude<Strategy, 'delete_row'>;

describe('applyStrategy', () => {
  it.each([
    { strategy: 'null', value: 'alice@example.com', out: null },
    { strategy: 'null', value: 42, out: null },
    { strategy: 'redact', value: 'Alice Smith', out: REDACTED },
    { strategy: 'redact', value: 1985, out: '[REDACTED]' },
    { strategy: 'mask', value: '4111111111111111', out: '**************11' },
    { strategy: 'mask', value: '+442079460123', out: '***********23' },
    { strategy: 'mask', value: 'abc', out: '*bc' },
    { strategy: 'mask', value: 'Jo', out: '**' },
    { strategy: 'mask', value: 'J', out: '*' },
    { strategy: 'mask', value: '', out: '' },
    { strategy: 'mask', value: 12345, out: '***45' },
    { strategy: 'generalize', value: '1985-03-12', out: '1985' },
    { strategy: 'generalize', value: '1985-03-12T10:20:30Z', out: '1985' },
    { strategy: 'generalize', value: 'SW1A 1AA', out: 'SW1A' },
    { strategy: 'generalize', value: 'ec1a1bb', out: 'EC1A' },
    { strategy: 'generalize', value: 'M1 1AE', out: 'M1' },
    { strategy: 'generalize', value: '12345', out: '123' },
    { strategy: 'generalize', value: 'not a postcode at all', out: REDACTED },
    { strategy: 'generalize', value: 42, out: 40 },
    { strategy: 'generalize', value: 1985, out: 1980 },
    { strategy: 'generalize', value: -15, out: -20 },
    { strategy: 'retain', value: 'AML record', out: 'AML record' },
  ] as { strategy: Applied; value: unknown; out: unknown }[])(
    '$strategy($value) = $out',
    ({ strategy, value, out }) => {
      expect(applyStrategy(strategy, value, key)).toEqual(out);
    },
  );

  it.each(['null', 'redact', 'hash', 'mask', 'generalize', 'random', 'retain'] as Applied[])(
    '%s keeps an absent value absent',
    (strategy) => {
      expect(applyStrategy(strategy, null, key)).toBeNull();
      expect(applyStrategy(strategy, undefined, key)).toBeUndefined();
    },
  );

  describe('hash: keyed, deterministic, never the input', () => {
    it('gives a fixed-length keyed digest', () => {
      const h = applyStrategy('hash', 'alice@example.com', key) as string;
      expect(h).toMatch(/^hmac:[0-9a-f]{32}$/);
    });

    it('property: same value and key, same hash; a different key or value, a different hash; never the input', () => {
      fc.assert(
        fc.property(
          fc.string(),
          fc.string(),
          fc.string({ minLength: 1 }),
          fc.string({ minLength: 1 }),
          (a, b, k1, k2) => {
            const h = applyStrategy('hash', a, k1);
            expect(applyStrategy('hash', a, k1)).toBe(h);
            expect(h).not.toBe(a);
            // A value long enough not to turn up in a hex digest by chance never shows in its hash.
            expect(a.length < 8 || !String(h).includes(a)).toBe(true);
            if (a !== b) expect(applyStrategy('hash', b, k1)).not.toBe(h);
            if (k1 !== k2) expect(applyStrategy('hash', a, k2)).not.toBe(h);
          },
        ),
      );
    });
  });

  it('random: a fresh anonymous value each time, never the input', () => {
    const seen = new Set(Array.from({ length: 50 }, () => applyStrategy('random', 'Alice', key)));
    expect(seen.size).toBe(50);
    for (const v of seen) expect(v).toMatch(/^anon-[0-9a-f]{12}$/);
  });
});

describe('hasErasedForm: read-back verification without the original', () => {
  it.each([
    { strategy: 'null', held: null, erased: true },
    { strategy: 'null', held: undefined, erased: true },
    { strategy: 'null', held: '', erased: false },
    { strategy: 'null', held: 'alice@example.com', erased: false },
    { strategy: 'delete_row', held: 'Alice', erased: false },
    { strategy: 'delete_row', held: undefined, erased: true },
    { strategy: 'redact', held: REDACTED, erased: true },
    { strategy: 'redact', held: 'Alice', erased: false },
    { strategy: 'hash', held: 'hmac:0123456789abcdef0123456789abcdef', erased: true },
    { strategy: 'hash', held: 'alice@example.com', erased: false },
    { strategy: 'random', held: 'anon-0a1b2c3d4e5f', erased: true },
    { strategy: 'random', held: 'Alice', erased: false },
    { strategy: 'mask', held: '**************11', erased: true },
    { strategy: 'mask', held: '**', erased: true },
    { strategy: 'mask', held: '', erased: true },
    { strategy: 'mask', held: '4111111111111111', erased: false },
    { strategy: 'mask', held: 'Jo', erased: false },
    { strategy: 'mask', held: 'J', erased: false },
    { strategy: 'generalize', held: '1985', erased: true },
    { strategy: 'generalize', held: 'SW1A', erased: true },
    { strategy: 'generalize', held: REDACTED, erased: true },
    { strategy: 'generalize', held: 1980, erased: true },
    { strategy: 'generalize', held: '1985-03-12', erased: false },
    { strategy: 'generalize', held: 'SW1A 1AA', erased: false },
    { strategy: 'generalize', held: 42, erased: false },
    { strategy: 'generalize', held: 1985, erased: false },
    { strategy: 'retain', held: 'AML record', erased: true },
  ] as { strategy: Strategy; held: unknown; erased: boolean }[])(
    '$strategy holding $held: erased=$erased',
    ({ strategy, held, erased }) => {
      expect(hasErasedForm(strategy, held)).toBe(erased);
    },
  );

  const held = fc.oneof(
    fc.string(),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: 'binary-ascii' }),
    fc.constantFrom('line one\nline two\n', 'ab\r\n', 'tab\t'),
    fc.emailAddress(),
    fc.integer({ min: -1_000_000_000, max: 1_000_000_000 }),
    fc
      .date({ min: new Date('1900-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
      .map((d) => d.toISOString().slice(0, 10)),
    fc.stringMatching(/^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/),
    fc.stringMatching(/^[0-9]{5}$/),
  );
  const applied = fc.constantFrom<Applied>('null', 'redact', 'hash', 'mask', 'generalize', 'random');

  it('property: whatever a strategy leaves has the erased form', () => {
    fc.assert(
      fc.property(applied, held, (strategy, value) => {
        expect(hasErasedForm(strategy, applyStrategy(strategy, value, key))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('property: erasing what is already erased keeps it erased (a retry is harmless)', () => {
    fc.assert(
      fc.property(applied, held, (strategy, value) => {
        const once = applyStrategy(strategy, value, key);
        const twice = applyStrategy(strategy, once, key);
        expect(hasErasedForm(strategy, twice)).toBe(true);
        if (strategy === 'null' || strategy === 'redact' || strategy === 'mask') expect(twice).toEqual(once);
        if (strategy === 'generalize' && typeof value === 'number') expect(twice).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });
});
