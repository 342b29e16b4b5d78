/** A connected system as registered in the systems registry (PUT /v1/systems/{systemId}). */
import { z } from 'zod';
import { definitionIdSchema, restDefinitionSchema, restSettingsSchema, settingsProblems } from './rest/definition.ts';
import { definitionOf } from './rest/shipped.ts';

export const strategies = ['delete_row', 'null', 'redact', 'hash', 'mask', 'generalize', 'random', 'retain'] as const;
export type Strategy = (typeof strategies)[number];

/** What a retained field becomes once its retention ends: any erasing strategy. */
export const afterRetentionStrategies = strategies.filter((s) => s !== 'retain') as Exclude<Strategy, 'retain'>[];
/** When a rule names none: the value goes, the column stays. */
export const DEFAULT_AFTER_RETENTION = 'null' as const;

/** From which event a retention period runs: the end of the customer relationship (AML), or the request. */
export const retentionStarts = ['relationship_end', 'request'] as const;

export const capabilities = ['access', 'erase', 'rectify', 'restrict', 'opt_out', 'verify'] as const;

const fieldSchema = z
  .strictObject({
    name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/, 'a field name is an identifier'),
    category: z.enum(['identity', 'contact', 'financial', 'demographic', 'behavioural', 'other']),
    strategy: z.enum(strategies),
    /** For `retain`: the legal basis and how long. */
    exemption: z
      .strictObject({
        basis: z.string().min(3).max(200),
        citation: z.string().max(200).optional(),
        years: z.number().int().min(1).max(30),
        /** `relationship_end`: from the end of the relationship where the ECIF knows it, else from the request (the default). */
        from: z.enum(retentionStarts).optional(),
      })
      .optional(),
    /** For `retain`: what the follow-up erasure does at the until-date (default `null`). */
    afterRetention: z
      .enum(afterRetentionStrategies as [Exclude<Strategy, 'retain'>, ...Exclude<Strategy, 'retain'>[]])
      .optional(),
  })
  .refine((f) => (f.strategy === 'retain') === (f.exemption !== undefined), {
    message: 'a retained field needs an exemption (basis and years), and only a retained field has one',
    path: ['exemption'],
  })
  .refine((f) => f.strategy === 'retain' || f.afterRetention === undefined, {
    message: 'only a retained field has an afterRetention strategy',
    path: ['afterRetention'],
  });

export const connectorSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('http'),
    // Credentials in a URL would be shown to whoever reads the registry: a system's key is its secret.
    url: z
      .url({ protocol: /^https?$/ })
      .refine((u) => URL.canParse(u) && !new URL(u).username && !new URL(u).password, {
        message: 'a webhook URL may not carry credentials',
      }),
    /** `async`: the system answers 202 and calls back (POST /v1/callbacks/{requestId}/{systemId}). */
    mode: z.enum(['sync', 'async']).default('sync'),
    /** async: how long the callback may take before the step fails (States.Timeout). @default 86400 (a day) */
    callbackTimeoutSeconds: z
      .number()
      .int()
      .min(2)
      .max(7 * 24 * 3600)
      .optional(),
    /** async: the longest silence between progress callbacks (States.HeartbeatTimeout); absent: the timeout alone. */
    heartbeatSeconds: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 3600)
      .optional(),
    /**
     * Name of the signing secret (a reference, never the secret itself). Absent: Custodian issues the
     * system a key of its own at registration (`systems/<systemId>`, shown once in the answer).
     */
    secretRef: z
      .string()
      .regex(/^[A-Za-z0-9/_+=.@-]{1,200}$/)
      .optional(),
    /** Opt-in: sign with the deployment-wide key, which every other system opted in holds too. */
    sharedSecret: z.literal(true).optional(),
    timeoutMs: z.number().int().min(100).max(30_000).default(5_000),
  }),
  z.strictObject({
    kind: z.literal('dynamodb'),
    table: z.string().regex(/^[A-Za-z0-9_.-]{3,255}$/),
    keyAttribute: z.string().min(1).max(255),
  }),
  // A relational table: the connection URL is found by reference (CONNECTOR_DB_<REF>), never stored here.
  ...(['postgres', 'mysql'] as const).map((kind) =>
    z.strictObject({
      kind: z.literal(kind),
      connectionRef: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a connection reference is letters, digits, "_" or "-"'),
      /** `table` or `schema.table`: identifiers only (they are quoted, never interpolated raw). */
      table: z
        .string()
        .regex(
          /^[A-Za-z_][A-Za-z0-9_]{0,62}(\.[A-Za-z_][A-Za-z0-9_]{0,62})?$/,
          'a table is an identifier, optionally schema-qualified',
        ),
      keyColumn: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'a key column is an identifier'),
    }),
  ),
  // A vendor's own REST API, driven by a definition (a shipped one by id, or the operator's own): core/connectors/rest/.
  z.strictObject({
    kind: z.literal('rest'),
    definition: z.union([definitionIdSchema, restDefinitionSchema]),
    /** A shipped definition's version this system runs on: pinned at registration (absent: the latest, pinned then). */
    definitionVersion: z
      .string()
      .regex(/^\d+(\.\d+){0,2}$/)
      .optional(),
    baseUrl: z.url({ protocol: /^https?$/ }),
    settings: restSettingsSchema.default({}),
    /** Where the credentials are: CONNECTOR_SECRET_<REF>, else the secret `custodian/connectors/rest/<ref>`. */
    secretRef: z.string().regex(/^[A-Za-z0-9/_+=.@-]{1,200}$/),
    /** Bounds each request to the vendor. @default 10000 */
    timeoutMs: z.number().int().min(100).max(30_000).default(10_000),
    /**
     * A subject with no cross-reference to this system is looked for by these identifiers of its
     * golden record, through the definition's search. Absent: only cross-referenced subjects.
     */
    findBy: z
      .array(z.enum(['email', 'phone']))
      .min(1)
      .max(2)
      .optional(),
  }),
  // An operator does the work in the system by hand and attests it (POST .../systems/{systemId}/complete).
  z.strictObject({
    kind: z.literal('manual'),
    queue: z.string().max(100).default('privacy-operators'),
    /** How long the operator task may stay open before the step fails (it must fit the request's deadline). @default 14 */
    timeoutDays: z.number().int().min(1).max(30).optional(),
  }),
]);

/** GDPR Art. 6(1) lawful bases, as a record of processing names them. */
export const legalBases = [
  'consent',
  'contract',
  'legal_obligation',
  'vital_interests',
  'public_task',
  'legitimate_interests',
] as const;

/**
 * What the system does with personal data, for the record of processing activities (GDPR Art. 30):
 * optional, since a system is connected for erasure before its record is written.
 */
const processingSchema = z.strictObject({
  /** Consent catalog purposes (`marketing`) or the controller's own words ("account servicing"). */
  purposes: z.array(z.string().trim().min(3).max(200)).min(1).max(20),
  legalBases: z.array(z.enum(legalBases)).min(1).max(6),
  /** Categories of data subjects: customers, prospects, employees… */
  subjects: z.array(z.string().trim().min(3).max(100)).min(1).max(20).default(['customers']),
  /** Categories of recipients the system discloses data to (processors, partners, authorities). */
  recipients: z.array(z.string().trim().min(3).max(200)).max(50).default([]),
  /** Transfers to a third country or international organisation, with the Art. 46 safeguard (or adequacy). */
  transfers: z
    .array(z.strictObject({ to: z.string().trim().min(2).max(100), safeguard: z.string().trim().min(3).max(200) }))
    .max(50)
    .default([]),
  /** When data not kept under an exemption is erased ("2 years after the account closes"). */
  retention: z.string().trim().min(3).max(200),
});
export type Processing = z.infer<typeof processingSchema>;

export const systemInputSchema = z
  .strictObject({
    name: z.string().trim().min(1).max(100),
    connector: connectorSchema,
    capabilities: z.array(z.enum(capabilities)).min(1),
    fields: z.array(fieldSchema).max(200).default([]),
    /** Notified of erasures and rectifications (GDPR Art. 19). */
    recipient: z.boolean().default(false),
    concurrency: z.number().int().min(1).max(100).default(4),
    /** Calls per second at most (a system's API quota); absent: only `concurrency` bounds the calls. */
    rateLimitPerSecond: z.number().min(0.1).max(1000).optional(),
    processing: processingSchema.optional(),
  })
  .superRefine((s, ctx) => {
    if (s.connector.kind !== 'rest') return;
    const definition = definitionOf(s.connector.definition, s.connector.definitionVersion);
    if (!definition) {
      const known = definitionOf(s.connector.definition);
      ctx.addIssue({
        code: 'custom',
        message: known ? 'no shipped version of this definition has this number' : 'no shipped definition has this id',
        path: ['connector', known ? 'definitionVersion' : 'definition'],
      });
      return;
    }
    for (const message of settingsProblems(definition, s.connector.settings))
      ctx.addIssue({ code: 'custom', message, path: ['connector', 'settings'] });
    for (const by of s.connector.findBy ?? [])
      if (!definition.objects.some((o) => o.search.some((x) => x.by === by)))
        ctx.addIssue({
          code: 'custom',
          message: `the definition has no search by ${by}`,
          path: ['connector', 'findBy'],
        });
  });
export type SystemInput = z.infer<typeof systemInputSchema>;
export type FieldRule = z.infer<typeof fieldSchema>;
export type ConnectorSettings = z.infer<typeof connectorSchema>;

export interface ConnectedSystem extends SystemInput {
  systemId: string;
  updatedAt: string;
}

/** How the workflow runs a system's step: a call that answers, a call answered later by a callback, or an operator's task. */
export type ExecutionMode = 'sync' | 'callback' | 'operator';

export interface Execution {
  mode: ExecutionMode;
  /** callback and operator: how long the step may wait, and the longest silence (Step Functions timeouts). */
  waitSeconds: number;
  heartbeatSeconds: number;
}

/** Sync steps are bounded by the connector's own timeouts: the wait values are not used. */
export const syncExecution: Execution = { mode: 'sync', waitSeconds: 0, heartbeatSeconds: 0 };

export function executionOf(system: Pick<ConnectedSystem, 'connector'>): Execution {
  const c = system.connector;
  // Step Functions wants the heartbeat shorter than the timeout: no heartbeat given is "just under the timeout".
  if (c.kind === 'manual') {
    const seconds = (c.timeoutDays ?? 14) * 86_400;
    return { mode: 'operator', waitSeconds: seconds, heartbeatSeconds: seconds - 1 };
  }
  if (c.kind === 'http' && c.mode === 'async') {
    const seconds = c.callbackTimeoutSeconds ?? 86_400;
    return {
      mode: 'callback',
      waitSeconds: seconds,
      heartbeatSeconds: Math.min(c.heartbeatSeconds ?? seconds - 1, seconds - 1),
    };
  }
  return syncExecution;
}
