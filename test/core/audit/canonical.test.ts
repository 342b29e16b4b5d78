/**
 * The fast canonical JSON is the `canonicalize` package's RFC 8785 output, byte for byte, over any
 * JSON value and any audit event: the chain's hashes do not change with the speed-up. Where the
 * package throws (NaN, a lone surrogate, a cycle), it still throws the package's error.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalJsonWithout } from '#core/audit/canonical.ts';
import { chainNext, expectedHash, hashEvent, verifyChain, type AuditEvent } from '#core/audit/event.ts';

/** What a call gives: its result or its error's message. */
function outcome(f: () => string | undefined): { ok: string | undefined } | { threw: string } {
  try {
    return { ok: f() };
  } catch (err) {
    return { threw: (err as Error).message };
  }
}

/** Odd text: escapes, controls, U+2028, astral pairs, lone surrogates of both halves, BOM, NUL. */
const oddUnit = fc.oneof(
  fc.constantFrom(
    '"',
    '\\',
    '/',
    '\b',
    '\f',
    '\n',
    '\r',
    '\t',
    '\u0000',
    '\u001f',
    '\u007f',
    '\u2028',
    '\u2029',
    '\ufeff',
    '\ud83d\ude00',
    '\ud800',
    '\udfff',
    'é',
    '€',
    '\u00a0',
  ),
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const oddString = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: oddUnit, maxLength: 8 }));

/** Numbers RFC 8785 §3.2.2.3 cares about: -0, exponents both ways, the edges of doubles and of safe integers. */
const oddNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(
    -0,
    0,
    1e21,
    1e-7,
    123456789012345680000,
    5e-324,
    -5e-324,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    Number.MAX_SAFE_INTEGER,
    2 ** 53 + 2,
    0.1 + 0.2,
    1 / 3,
    4.35,
    333333333.3333333,
  ),
);

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    oddNumber,
    oddString,
    tie('array'),
    tie('object'),
  ),
  array: fc.array(tie('value'), { maxLength: 5 }),
  object: fc.dictionary(oddString, tie('value'), { maxKeys: 6 }),
})).value;

/** JSON values plus what code (not JSON.parse) can put in: undefined, functions, symbols, Dates, NaN, sparse arrays. */
const jsValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    json,
    fc.constantFrom(undefined, Number.NaN, Infinity, -Infinity, Symbol('s'), () => 1),
    fc.date({ noInvalidDate: true }),
    tie('array'),
    tie('object'),
  ),
  array: fc.oneof(
    fc.array(tie('value'), { maxLength: 4 }),
    fc.array(tie('value'), { maxLength: 4 }).map((a) => Object.assign(new Array(a.length + 2), a)),
  ),
  object: fc.dictionary(oddString, tie('value'), { maxKeys: 5 }),
})).value;

describe('canonicalJson', () => {
  it('is the canonicalize package over any JSON value, odd numbers and Unicode included', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(outcome(() => canonicalJson(v))).toEqual(outcome(() => canonicalize(v)));
      }),
      { numRuns: 3000 },
    );
  });

  it('is the package over a JSON value as parsed back from text (what an export verifier sees)', () => {
    fc.assert(
      fc.property(json, (v) => {
        const text = JSON.stringify(v);
        fc.pre(text !== undefined);
        const parsed = JSON.parse(text);
        expect(outcome(() => canonicalJson(parsed))).toEqual(outcome(() => canonicalize(parsed)));
      }),
      { numRuns: 1000 },
    );
  });

  it('answers or throws as the package does over what code can build (undefined, NaN, Dates, holes, functions)', () => {
    fc.assert(
      fc.property(jsValue, (v) => {
        expect(outcome(() => canonicalJson(v))).toEqual(outcome(() => canonicalize(v)));
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses what the package refuses, with its errors', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = { back: cyclic };
    const deep = Array.from({ length: 100 }).reduce<unknown>((inner) => ({ inner }), { leaf: 1 });
    for (const v of [
      Number.NaN,
      { n: Infinity },
      ['\ud800'],
      { '\udc00': 1 },
      cyclic,
      { toJSON: () => ({ b: 2, a: 1 }) },
      deep,
    ]) {
      expect(outcome(() => canonicalJson(v))).toEqual(outcome(() => canonicalize(v)));
    }
    expect(canonicalJson({ toJSON: () => ({ b: 2, a: 1 }) })).toBe('{"a":1,"b":2}');
    expect(() => canonicalJson({ x: [1, '\ud800'] })).toThrow('Lone surrogate is not allowed');
  });

  it('sorts keys by UTF-16 code units, not code points or locale (RFC 8785 §3.2.3)', () => {
    // U+FB01 sorts after U+1F600's high surrogate (0xD83D) by code units, before it by code points.
    expect(canonicalJson({ '\ufb01': 1, '\ud83d\ude00': 2, b: 3, B: 4, é: 5 })).toBe(
      '{"B":4,"b":3,"é":5,"\ud83d\ude00":2,"\ufb01":1}',
    );
    expect(canonicalJson({ '\ufb01': 1, '\ud83d\ude00': 2 })).toBe(canonicalize({ '\ufb01': 1, '\ud83d\ude00': 2 }));
  });
});

/** An event cannot hold a lone surrogate (it could not be hashed): odd text short of that. */
const eventString = oddString.filter((s) => canonicalizes(s));
const eventJson = json.filter((v) => canonicalizes(v));
function canonicalizes(v: unknown): boolean {
  try {
    canonicalize(v);
    return true;
  } catch {
    return false;
  }
}

const event: fc.Arbitrary<AuditEvent> = fc
  .record({
    stream: eventString,
    actor: fc.record({ role: fc.constantFrom('system', 'operator', 'customer'), principal: eventString }),
    action: eventString,
    target: fc.record({ requestId: eventString, ecifId: eventString, systemId: eventString }, { requiredKeys: [] }),
    details: fc.dictionary(eventString, eventJson, { maxKeys: 6 }),
    at: fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
  })
  .map(({ at, ...input }) => chainNext(undefined, input as Parameters<typeof chainNext>[1], at));

describe('event hashes', () => {
  const packageHash = (e: AuditEvent) => {
    const { hash: _hash, ...body } = e;
    return createHash('sha256').update(canonicalize(body)!).digest('hex');
  };

  it("an event hash is SHA-256 over the package's canonical JSON of the event without its hash, as before", () => {
    fc.assert(
      fc.property(event, (e) => {
        expect(e.hash).toBe(packageHash(e));
        expect(expectedHash(e)).toBe(packageHash(e));
        const { hash: _hash, ...body } = e;
        expect(hashEvent(body)).toBe(e.hash);
        expect(canonicalJsonWithout(e, 'hash')).toBe(canonicalize(body));
      }),
      { numRuns: 1000 },
    );
  });

  it('the same after an NDJSON round trip: keys in another order, numbers re-read', () => {
    fc.assert(
      fc.property(event, fc.boolean(), (e, reversed) => {
        const entries = Object.entries(JSON.parse(JSON.stringify(e)));
        const parsed = JSON.parse(
          JSON.stringify(Object.fromEntries(reversed ? entries.reverse() : entries)),
        ) as AuditEvent;
        expect(expectedHash(parsed)).toBe(packageHash(parsed));
        expect(verifyChain([parsed])).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });
});
