/**
 * The `{{...}}` placeholders of a rest definition, and the paths into vendors' JSON answers.
 * Hand-written: a template engine (handlebars and the like) would let a definition run helpers and
 * walk prototypes; this knows a fixed list of names and filters and nothing else.
 */
import { createHash } from 'node:crypto';
import { PermanentSystemError } from '#core/shared/errors.ts';

/** What a placeholder may name. */
export interface TemplateContext {
  /** The subject's id in the system. */
  id?: string;
  /** The current value of the object's `forEach` list setting. */
  each?: string;
  baseUrl: string;
  settings: Record<string, string | string[]>;
  email?: string;
  phone?: string;
  /** The record as read (`{{record.properties.email}}`). */
  record?: unknown;
  /** Erasure and rectification: the new values, nested at each field's path. */
  changes?: Record<string, unknown>;
  /** The vendor's names of the system's fields, joined by "," (a `$select`, a `fields=`). */
  fields?: string[];
  /** A page cursor, where a search passes it itself. */
  cursor?: string;
}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_.@$-]*)((?:\s*\|\s*[a-z0-9]+)*)\s*\}\}/g;
const ROOTS = ['id', 'each', 'baseUrl', 'settings', 'email', 'phone', 'record', 'changes', 'fields', 'cursor'];

const filters: Record<string, (v: string) => string> = {
  /** Inside a single-quoted string of SOQL or Stripe's search language. */
  quoted: (v) => v.replace(/\\/g, '\\\\').replace(/'/g, "\\'"),
  /** Inside a single-quoted OData string literal. */
  odata: (v) => v.replace(/'/g, "''"),
  lower: (v) => v.toLowerCase(),
  /** Mailchimp's subscriber hash. */
  md5lower: (v) => createHash('md5').update(v.toLowerCase()).digest('hex'),
};

/** Placeholders of a template that name nothing known (a definition is refused with them). */
export function unknownPlaceholders(text: string): string[] {
  const bad: string[] = [];
  for (const m of text.matchAll(PLACEHOLDER)) {
    if (!ROOTS.includes(m[1].split('.')[0])) bad.push(m[1]);
    for (const f of m[2].split('|').slice(1)) if (!filters[f.trim()]) bad.push(`${m[1]}|${f.trim()}`);
  }
  return bad;
}

/** A placeholder with no value here: the definition asks for what this call does not have (a setting, a record's member). */
export class MissingValueError extends PermanentSystemError {
  constructor(readonly placeholder: string) {
    super(`the definition needs {{${placeholder}}}, which this call does not have`);
  }
}

function lookup(ctx: TemplateContext, name: string): unknown {
  const [root, ...rest] = name.split('.');
  const base = root === 'fields' ? ctx.fields?.join(',') : (ctx as unknown as Record<string, unknown>)[root];
  return rest.length ? valueAt(base, rest.join('.')) : base;
}

function resolved(ctx: TemplateContext, name: string, filterList: string): unknown {
  let v = lookup(ctx, name);
  if (v === undefined || v === null) throw new MissingValueError(name);
  for (const f of filterList.split('|').slice(1)) v = filters[f.trim()](String(v));
  return v;
}

/** A string with each placeholder replaced (`encode`: URL-encoded, for a path). */
export function renderText(text: string, ctx: TemplateContext, encode = false): string {
  return text.replace(PLACEHOLDER, (_, name: string, fl: string) => {
    const v = resolved(ctx, name, fl);
    const s = typeof v === 'object' ? JSON.stringify(v) : String(v);
    return encode ? encodeURIComponent(s) : s;
  });
}

/** A JSON template: a string that is one placeholder alone takes the value as it is; other strings are rendered. */
export function renderJson(value: unknown, ctx: TemplateContext): unknown {
  if (typeof value === 'string') {
    const whole = /^\{\{\s*([A-Za-z][A-Za-z0-9_.@$-]*)((?:\s*\|\s*[a-z0-9]+)*)\s*\}\}$/.exec(value);
    return whole ? resolved(ctx, whole[1], whole[2]) : renderText(value, ctx);
  }
  if (Array.isArray(value)) return value.map((v) => renderJson(v, ctx));
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, renderJson(v, ctx)]));
  return value;
}

/**
 * The value at a dot path. A key that itself holds dots (`@odata.nextLink`) is matched whole first;
 * `name[key=value]` picks the first array item whose `key` is `value`.
 */
export function valueAt(root: unknown, path: string): unknown {
  if (path === '') return root;
  let node: unknown = root;
  let rest = path;
  while (rest) {
    if (node === null || typeof node !== 'object') return undefined;
    const obj = node as Record<string, unknown>;
    let taken = Object.hasOwn(obj, rest) ? rest : undefined;
    if (!taken) {
      const dot = rest.search(/[.[]/);
      taken = dot === -1 ? rest : rest.slice(0, dot);
    }
    node = Object.hasOwn(obj, taken) ? obj[taken] : undefined;
    rest = rest.slice(taken.length);
    const pick = /^\[([A-Za-z0-9_]+)=([^\]]*)\]/.exec(rest);
    if (pick) {
      node = Array.isArray(node)
        ? node.find(
            (item) =>
              item && typeof item === 'object' && String((item as Record<string, unknown>)[pick[1]]) === pick[2],
          )
        : undefined;
      rest = rest.slice(pick[0].length);
    }
    if (rest.startsWith('.')) rest = rest.slice(1);
  }
  return node;
}

/** Sets the value at a dot path in a plain object, making the objects on the way. */
export function setAt(root: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  // A definition is the operator's data: it may not reach an object's prototype.
  if (parts.some((p) => p === '__proto__' || p === 'constructor' || p === 'prototype'))
    throw new PermanentSystemError(`a field path may not name ${path}`);
  let node = root;
  for (const p of parts.slice(0, -1)) {
    if (!node[p] || typeof node[p] !== 'object') node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
