/**
 * Success bodies of the routes, for OpenAPI and the contract tests. Loose objects: the fields named
 * here are promised; a route may add fields without breaking a client.
 */
import { z } from 'zod';

const isoTime = z.iso.datetime({ offset: true });

export const healthResponse = z.looseObject({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  dependencies: z.record(z.string(), z.looseObject({ status: z.string() })),
});

export const systemOutcomeResponse = z.looseObject({
  systemId: z.string(),
  action: z.string(),
  state: z.string(),
  attempts: z.number().int(),
  /** `until` for a retention; `hold` (its reference) for a legal hold, kept until the hold is released. */
  exemptions: z.array(
    z.looseObject({
      field: z.string(),
      basis: z.string(),
      citation: z.string().optional(),
      until: isoTime.optional(),
      hold: z.string().optional(),
    }),
  ),
  lastError: z.looseObject({ name: z.string(), message: z.string() }).optional(),
  proof: z
    .looseObject({
      recordsAffected: z.number(),
      fieldsChanged: z.array(z.string()),
      verified: z.boolean(),
      at: isoTime,
    })
    .optional(),
});

export const privacyRequestResponse = z.looseObject({
  id: z.string(),
  type: z.string(),
  jurisdiction: z.enum(['GDPR', 'CCPA']),
  status: z.string(),
  verification: z.looseObject({ state: z.string() }),
  receivedAt: isoTime,
  ackDueAt: isoTime,
  dueAt: isoTime,
  ecifId: z.string().optional(),
  outcome: z.looseObject({ result: z.string(), reasons: z.array(z.string()) }).optional(),
  systems: z.array(systemOutcomeResponse).optional(),
});

export const upsertCustomerResponse = z.looseObject({
  ecifId: z.string(),
  created: z.boolean(),
  identities: z.number().int(),
  crossReferences: z.number().int(),
});

export const mergeResponse = z.looseObject({
  survivor: z.string(),
  merged: z.array(z.string()),
  identities: z.number().int(),
  crossReferences: z.number().int(),
  requests: z.number().int(),
  changed: z.boolean(),
});

export const systemResponse = z.looseObject({
  systemId: z.string(),
  name: z.string(),
  connector: z.looseObject({ kind: z.string() }),
  updatedAt: isoTime,
});
export const systemsResponse = z.looseObject({ items: z.array(systemResponse) });
/** A registration's answer: once, when an HTTP system was issued a key of its own now, that key. */
export const registeredSystemResponse = systemResponse.extend({
  signingSecret: z
    .string()
    .optional()
    .describe('The signing key issued to the system now: shown this once, never stored in the registry'),
});
export const rotatedKeyResponse = z.looseObject({ systemId: z.string(), signingSecret: z.string() });
/** The shipped rest definitions, each as data (docs/connectors.md documents every member). */
export const connectorDefinitionsResponse = z.looseObject({
  items: z.array(
    z.looseObject({
      id: z.string(),
      version: z.string(),
      /** The version a registration made now pins; the others run the systems registered with them. */
      latest: z.boolean(),
      title: z.string(),
      auth: z.looseObject({ kind: z.string() }),
      settings: z.array(z.looseObject({ name: z.string(), description: z.string() })),
      permissions: z.array(z.string()),
      capabilities: z.array(z.string()),
      objects: z.array(z.looseObject({ name: z.string() })),
    }),
  ),
});

/** The consent routes' promises (the consent issue may add fields). */
export const consentCaptureResponse = z.looseObject({});
export const consentDecisionResponse = z.looseObject({
  decision: z.enum(['allow', 'deny']),
  reason: z.string(),
  decidedAt: isoTime,
  token: z.string(),
});

export const legalHoldResponse = z.looseObject({
  ecifId: z.string(),
  reference: z.string(),
  reason: z.string(),
  placedAt: isoTime,
  placedBy: z.looseObject({ role: z.string(), principal: z.string() }),
  updatedAt: isoTime,
});
export const legalHoldReleasedResponse = z.looseObject({
  ecifId: z.string(),
  released: z.literal(true),
  reference: z.string(),
  /** The erasures the hold kept back, started now (ids of their runs). */
  erasuresStarted: z.array(z.string()),
});

/** An async system's callback, as taken. */
export const callbackResponse = z.looseObject({
  accepted: z.literal(true),
  state: z.enum(['waiting', 'succeeded', 'failed']),
});

/** Who an identifier names in the ECIF, and where each system knows them. */
export const goldenRecordResponse = z.looseObject({
  ecifId: z.string(),
  status: z.enum(['active', 'restricted', 'erased']),
  name: z.looseObject({ given: z.string(), family: z.string() }).nullable(),
  emails: z.array(z.string()),
  phones: z.array(z.string()),
  crossReferences: z.array(z.looseObject({ systemId: z.string(), localId: z.string(), since: z.string() })),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const resolutionResponse = z.looseObject({
  ecifId: z.string(),
  crossReferences: z.array(z.looseObject({ systemId: z.string(), localId: z.string() })),
});

/** A bulk ECIF load job: its progress, the upload link when created, the reject file's link when finished. */
export const loadJobResponse = z.looseObject({
  id: z.string(),
  status: z.enum(['awaiting_upload', 'staging', 'loading', 'finished', 'failed']),
  format: z.enum(['ndjson', 'csv']),
  gzip: z.boolean(),
  read: z.number().int(),
  created: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
  rejected: z.number().int(),
  lines: z.number().int().optional(),
  batches: z.number().int(),
  uploadUrl: z.string().optional(),
  rejectsUrl: z.string().optional(),
});
