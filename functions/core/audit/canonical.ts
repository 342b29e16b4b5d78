/**
 * RFC 8785 (JCS) canonical JSON, fast for what the audit log holds: plain JSON values, as JSON.parse
 * and DynamoDB give them. Byte for byte the output of the `canonicalize` package (a fast-check
 * property proves it: test/core/audit/canonical.test.ts); anything this path does not know for
 * certain (a toJSON, a class instance, a sparse array, a lone surrogate, NaN, a function, very deep
 * nesting...) is handed whole to the package, which then answers or throws as it always did.
 *
 * Where the package spends its time: a lone-surrogate scan of every string char by char, a
 * JSON.stringify call per leaf, an array and a join per object. Here a string with nothing to escape
 * (one regex test) is quoted as is, numbers go through the same Number-to-string JSON.stringify uses,
 * and each object is appended to one string.
 */
import canonicalize from 'canonicalize';

/** Thrown inside the fast path only: "not sure, ask the package". */
const unusual = Symbol('unusual');

/** Beyond this depth the package decides (it detects cycles; this path does not need to). */
const MAX_DEPTH = 64;

/** Characters JSON.stringify escapes, and surrogates (a lone one is refused by the package). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what this looks for.
const needsCare = /[\u0000-\u001f"\\\ud800-\udfff]/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function str(s: string): string {
  if (!needsCare.test(s)) return `"${s}"`;
  // A lone surrogate is refused by the package: its error, not ours. Pairs are plain text.
  if (loneSurrogate.test(s)) throw unusual;
  // JSON.stringify escapes as RFC 8785 §3.2.2.2 says (it is ECMAScript's own serialization).
  return JSON.stringify(s);
}

/** Object keys recur (every event has the same few): each quoted once. Bounded: keys are data too. */
const quotedKeys = new Map<string, string>();

function key(k: string): string {
  let q = quotedKeys.get(k);
  if (q === undefined) {
    q = str(k);
    if (quotedKeys.size < 1024) quotedKeys.set(k, q);
  }
  return q;
}

/**
 * Sorts in place by UTF-16 code units, as `Array.prototype.sort()` with no comparator does
 * (RFC 8785 §3.2.3); insertion sort, the arrays being a handful of keys.
 */
function sortKeys(keys: string[]): string[] {
  if (keys.length > 16) return keys.sort();
  for (let i = 1; i < keys.length; i++) {
    const k = keys[i];
    let j = i - 1;
    for (; j >= 0 && keys[j] > k; j--) keys[j + 1] = keys[j];
    keys[j + 1] = k;
  }
  return keys;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return (proto === Object.prototype || proto === null) && typeof (v as { toJSON?: unknown }).toJSON !== 'function';
}

function value(v: unknown, depth: number): string {
  switch (typeof v) {
    case 'string':
      return str(v);
    case 'number':
      // Number::toString, as JSON.stringify and RFC 8785 §3.2.2.3 (-0 is "0"); NaN and ±Infinity: the package refuses them.
      if (!Number.isFinite(v)) throw unusual;
      return `${v}`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      if (v === null) return 'null';
      if (depth > MAX_DEPTH) throw unusual;
      return Array.isArray(v) ? array(v, depth) : object(v, depth, undefined);
    default:
      // undefined, functions, symbols, bigints: the package's answer, whatever it is.
      throw unusual;
  }
}

function array(a: unknown[], depth: number): string {
  if (typeof (a as { toJSON?: unknown }).toJSON === 'function') throw unusual;
  let out = '[';
  for (let i = 0; i < a.length; i++) {
    // A hole is not `undefined` to the package (its map keeps holes): leave sparse arrays to it.
    if (!(i in a)) throw unusual;
    const item = a[i];
    if (i > 0) out += ',';
    out += item === undefined || typeof item === 'symbol' ? 'null' : value(item, depth + 1);
  }
  return `${out}]`;
}

function object(o: object, depth: number, omit: string | undefined): string {
  if (!isPlainObject(o)) throw unusual;
  const keys = sortKeys(Object.keys(o));
  let out = '{';
  let first = true;
  for (const k of keys) {
    if (k === omit) continue;
    const item = (o as Record<string, unknown>)[k];
    if (item === undefined || typeof item === 'symbol') continue;
    if (first) first = false;
    else out += ',';
    out += `${key(k)}:${value(item, depth + 1)}`;
  }
  return `${out}}`;
}

/** `canonicalize(v)`, faster on plain JSON values. */
export function canonicalJson(v: unknown): string | undefined {
  try {
    return value(v, 0);
  } catch (err) {
    if (err !== unusual) throw err;
    return canonicalize(v);
  }
}

/**
 * `canonicalize` of the object without its `omit` key (an event without its `hash`), without
 * copying the object to drop the key.
 */
export function canonicalJsonWithout(o: object, omit: string): string | undefined {
  try {
    return object(o, 0, omit);
  } catch (err) {
    if (err !== unusual) throw err;
    const { [omit]: _omitted, ...rest } = o as Record<string, unknown>;
    return canonicalize(rest);
  }
}
