/**
 * A `rest` connector definition: how one vendor's REST API finds a subject's records, changes them and
 * reads them back, as data (docs/connectors.md, "REST definitions"). The shipped ones are in
 * ./definitions/; an operator may register their own inline. Templates are strings with `{{...}}`
 * placeholders (./template.ts); nothing in a definition is code.
 */
import { z } from 'zod';
import { unknownPlaceholders } from './template.ts';

export const definitionIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a definition id is lower-case letters, digits and "-"');

/** A dot path into a JSON answer (`properties.email`, `paging.next.after`, `statuses[id=7].status`). */
const pathSchema = z
  .string()
  .max(200)
  .regex(/^[A-Za-z0-9_@$.\-[\]=]*$/, 'a path is names joined by "." (an array item as [key=value])');
const settingName = z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,39}$/, 'a setting name is an identifier');
const template = z.string().max(2000);

/**
 * A JSON body template: plain JSON, at most 6 levels deep, its strings templates. Checked by a
 * function, not a recursive schema: the OpenAPI document cannot hold zod's recursive references.
 */
function isJsonTemplate(v: unknown, depth = 0): boolean {
  if (depth > 6) return false;
  if (v === null || typeof v === 'number' || typeof v === 'boolean') return true;
  if (typeof v === 'string') return v.length <= 2000;
  if (Array.isArray(v)) return v.length <= 50 && v.every((x) => isJsonTemplate(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const entries = Object.entries(v);
    return entries.length <= 50 && entries.every(([k, x]) => k.length <= 100 && isJsonTemplate(x, depth + 1));
  }
  return false;
}
const jsonTemplate = z.unknown().refine((v) => isJsonTemplate(v), 'a body is JSON, at most 6 levels deep');

const statusList = z.array(z.number().int().min(400).max(599)).max(20);

/** One HTTP request to the vendor, relative to the system's base URL. */
export const restRequestSchema = z.strictObject({
  method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE']),
  /** Starts with "/"; each placeholder in it is URL-encoded. */
  path: z.string().regex(/^\//, 'a path starts with "/"').max(500),
  query: z.record(z.string().max(100), template).optional(),
  /** A JSON body; a string that is one placeholder alone (`"{{changes}}"`) takes that value as it is (an object, a list). */
  body: jsonTemplate.optional(),
  /** `form`: the body as application/x-www-form-urlencoded (Stripe). @default json */
  bodyType: z.enum(['json', 'form']).optional(),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/), template).optional(),
  /** Statuses that mean "no such record": skipped by a find, done for an erase. @default [404] */
  notFound: statusList.optional(),
  /** 4xx statuses worth a retry besides 429 (a lock, a conflict the vendor says to retry). */
  retry: statusList.optional(),
});
export type RestRequest = z.infer<typeof restRequestSchema>;

/** A check on an answer: the value at `path` equals `equals`. */
const scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
const checkSchema = z.strictObject({ path: pathSchema, equals: scalar });

const paginationSchema = z.discriminatedUnion('style', [
  z.strictObject({ style: z.literal('none') }),
  /** The answer's `cursor` goes back as `param` (in the query, or the JSON body). */
  z.strictObject({
    style: z.literal('cursor'),
    cursor: pathSchema,
    param: z.string().max(100),
    in: z.enum(['query', 'body']).default('query'),
  }),
  /** `param` counts records from 0 by `pageSize`, until a page comes back short. */
  z.strictObject({
    style: z.literal('offset'),
    param: z.string().max(100),
    pageSize: z.number().int().min(1).max(1000),
  }),
  /** RFC 8288 `Link: <url>; rel="next"`. */
  z.strictObject({ style: z.literal('link_header') }),
  /** The answer holds the next page's URL or path (Salesforce `nextRecordsUrl`, OData `@odata.nextLink`). */
  z.strictObject({ style: z.literal('next_url'), next: pathSchema }),
]);

/** How a subject is found without the system's own id: by a vendor search, or by an id computed from the identifier. */
const searchSchema = z.union([
  z.strictObject({
    by: z.enum(['email', 'phone']),
    request: restRequestSchema,
    /** Where the list of matches is in an answer ("" for an answer that is the list). */
    results: pathSchema,
    /** Where a match's id is. */
    id: pathSchema,
    pagination: paginationSchema.default({ style: 'none' }),
    /** Pages read at most: a search never walks a whole CRM. @default 5 */
    maxPages: z.number().int().min(1).max(50).default(5),
  }),
  /** The id is derived from the identifier (Mailchimp: the MD5 of the lower-cased email). */
  z.strictObject({ by: z.enum(['email', 'phone']), idFrom: template }),
]);

const actionRequestSchema = z.strictObject({
  request: restRequestSchema,
  /**
   * The read-back that proves the action: the value at `path` (a template) of the record read again,
   * or of the answer to `request` when the state lives elsewhere, equals `equals`.
   */
  check: z.strictObject({ request: restRequestSchema.optional(), path: template, equals: scalar }).optional(),
});

/** One kind of record in the vendor's API (Contact, Lead, an audience's member). */
export const restObjectSchema = z.strictObject({
  name: z.string().min(1).max(60),
  /** One object per value of this list setting (`{{each}}` in templates): Mailchimp's audiences. */
  forEach: settingName.optional(),
  /** Reads one record by `{{id}}`: access, the values an erasure masks, every read-back. */
  read: restRequestSchema,
  /** A read that matches this is a record gone (Stripe answers a deleted customer with `deleted: true`). */
  goneWhen: checkSchema.optional(),
  /** Where the system's fields sit in a record: `<fieldsAt>.<field name>`, unless `fieldPaths` names one. */
  fieldsAt: pathSchema.optional(),
  fieldPaths: z.record(z.string().max(64), pathSchema).optional(),
  search: z.array(searchSchema).max(4).default([]),
  /** Erasure by writing each field's erased value (`{{changes}}`). */
  update: restRequestSchema.optional(),
  /** Erasure of the whole record (a field with `delete_row`, or an object without `update`): the vendor's delete or compliance endpoint. */
  delete: restRequestSchema.optional(),
  /** Rectification: `{{changes}}` holds the corrected values. @default `update` */
  rectify: restRequestSchema.optional(),
  opt_out: actionRequestSchema.optional(),
  restrict: actionRequestSchema.optional(),
});
export type RestObject = z.infer<typeof restObjectSchema>;

export const restAuthSchema = z.discriminatedUnion('kind', [
  /** The secret holds `{"clientId","clientSecret"}`; the token is cached until shortly before it expires. */
  z.strictObject({
    kind: z.literal('oauth2_client_credentials'),
    tokenUrl: template,
    scope: template.optional(),
  }),
  /** The secret is the key (or `{"apiKey"}`), sent in `header` after `prefix`. */
  z.strictObject({
    kind: z.literal('api_key'),
    header: z.string().regex(/^[A-Za-z0-9-]{1,64}$/),
    prefix: z.string().max(40).default(''),
  }),
  /** The secret holds `{"username","password"}`. */
  z.strictObject({ kind: z.literal('basic') }),
  /** The secret is the token (or `{"token"}`). */
  z.strictObject({ kind: z.literal('bearer') }),
]);
export type RestAuth = z.infer<typeof restAuthSchema>;

const headerName = z.string().regex(/^[A-Za-z0-9-]{1,64}$/);

/**
 * The vendor's rate-limit headers (X-RateLimit-Remaining/Reset style, as the vendor names them): once
 * `remaining` is at or under `floor`, the system's calls wait until the window resets, on every instance.
 */
export const rateLimitSchema = z.strictObject({
  remaining: headerName,
  reset: headerName,
  /** What `reset` holds: seconds or milliseconds until the reset (or the window's length), or its epoch seconds. @default seconds */
  resetIn: z.enum(['seconds', 'milliseconds', 'epoch_seconds']).default('seconds'),
  /** @default 0 */
  floor: z.number().int().min(0).max(10_000).default(0),
});
export type RateLimitHeaders = z.infer<typeof rateLimitSchema>;

export const restDefinitionSchema = z
  .strictObject({
    id: definitionIdSchema,
    /** Bumped on every change: a registration may pin it. */
    version: z.string().regex(/^\d+(\.\d+){0,2}$/, 'a version is like 1 or 1.2'),
    title: z.string().min(1).max(100),
    /** The vendor's reference the requests follow. */
    reference: z.url().optional(),
    auth: restAuthSchema,
    rateLimit: rateLimitSchema.optional(),
    /** The settings a registration gives (account ids, audience ids, API version). */
    settings: z
      .array(
        z.strictObject({
          name: settingName,
          description: z.string().max(300),
          list: z.boolean().default(false),
          required: z.boolean().default(true),
          example: z.union([z.string(), z.array(z.string())]).optional(),
        }),
      )
      .max(20)
      .default([]),
    /** The vendor permissions (scopes, roles) the credentials need: for the operator, never checked. */
    permissions: z.array(z.string().max(300)).max(20).default([]),
    objects: z.array(restObjectSchema).min(1).max(5),
  })
  .refine((d) => d.objects.every((o) => o.update || o.delete), {
    message: 'every object needs an update or a delete request to erase',
    path: ['objects'],
  })
  .superRefine((d, ctx) => {
    const bad = strings(d).flatMap(unknownPlaceholders);
    if (bad.length) ctx.addIssue({ code: 'custom', message: `unknown placeholders: ${[...new Set(bad)].join(', ')}` });
  });
export type RestDefinition = z.infer<typeof restDefinitionSchema>;
export type RestDefinitionInput = z.input<typeof restDefinitionSchema>;

/** Every string in a definition, where placeholders may be. */
function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}

/** What a registration gives a definition: values by setting name (a list setting takes a list). */
export const restSettingsSchema = z.record(
  settingName,
  z.union([z.string().max(500), z.array(z.string().max(200)).min(1).max(20)]),
);
export type RestSettings = z.infer<typeof restSettingsSchema>;

/** The settings a definition needs that a registration lacks or gives in the wrong shape (names only). */
export function settingsProblems(definition: RestDefinition, settings: RestSettings): string[] {
  const problems: string[] = [];
  for (const s of definition.settings) {
    const v = settings[s.name];
    if (v === undefined) {
      if (s.required) problems.push(`setting ${s.name} is required`);
    } else if (Array.isArray(v) !== s.list)
      problems.push(`setting ${s.name} must be ${s.list ? 'a list' : 'a string'}`);
  }
  for (const name of Object.keys(settings))
    if (!definition.settings.some((s) => s.name === name))
      problems.push(`setting ${name} is not one of this definition`);
  return problems;
}

/** What a system on this definition can be asked: every object reads and erases; the rest where the definition says how. */
export function capabilitiesOf(
  definition: RestDefinition,
): ('access' | 'erase' | 'verify' | 'rectify' | 'opt_out' | 'restrict')[] {
  const has = (pick: (o: RestObject) => unknown) => definition.objects.some(pick);
  return [
    'erase',
    'verify',
    'access',
    ...(has((o) => o.rectify ?? o.update) ? (['rectify'] as const) : []),
    ...(has((o) => o.opt_out) ? (['opt_out'] as const) : []),
    ...(has((o) => o.restrict) ? (['restrict'] as const) : []),
  ];
}
