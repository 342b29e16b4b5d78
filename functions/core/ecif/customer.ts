/** The golden record: the ECIF holds each customer once, with where every other system knows them. */
import { z } from 'zod';
import type { IdentityKey } from './identifiers.ts';

export const ecifIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an ecifId is 1-64 letters, digits, "_" or "-"');
export const systemIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a systemId is lower-case letters, digits and "-"');
export const localIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[\x21-\x7e]+$/, 'a localId is printable ASCII without spaces');

const text = (max: number) => z.string().trim().min(1).max(max);

export const addressSchema = z.strictObject({
  line1: text(200),
  line2: text(200).optional(),
  city: text(100),
  postcode: text(20).optional(),
  country: z.string().regex(/^[A-Z]{2}$/, 'country is an ISO 3166-1 alpha-2 code'),
});

export const crossReferenceSchema = z.strictObject({
  systemId: systemIdSchema,
  localId: localIdSchema,
  source: text(100).optional(),
});

/** Body of PUT /v1/ecif/customers/{ecifId}. */
export const customerInputSchema = z.strictObject({
  name: z.strictObject({ given: text(100), family: text(100) }),
  birthDate: z.iso.date().optional(),
  addresses: z.array(addressSchema).max(10).default([]),
  emails: z.array(z.string().max(254)).max(10).default([]),
  phones: z.array(z.string().max(32)).max(10).default([]),
  nationalIds: z
    .array(z.strictObject({ country: z.string().regex(/^[A-Z]{2}$/), value: z.string().max(40) }))
    .max(5)
    .default([]),
  segment: z.enum(['retail', 'private', 'business', 'corporate']).optional(),
  kycStatus: z.enum(['pending', 'verified', 'expired', 'rejected']).optional(),
  householdId: z.string().max(64).optional(),
  /** The day the customer relationship ended (last account closed): AML retention runs from it. */
  relationshipEndedOn: z.iso.date().optional(),
  // One local id per system for now: a request's per-system task is keyed by the system, so a second
  // account in one system would be planned and then silently dropped. Refused until tasks key by local id.
  crossReferences: z
    .array(crossReferenceSchema)
    .max(50)
    .default([])
    .refine((xs) => new Set(xs.map((x) => x.systemId)).size === xs.length, {
      message: 'at most one cross-reference per system',
    }),
});
export type CustomerInput = z.infer<typeof customerInputSchema>;
export type CrossReference = z.infer<typeof crossReferenceSchema> & { since: string };

export type CustomerStatus = 'active' | 'restricted' | 'erased';

export interface GoldenRecord extends Omit<CustomerInput, 'crossReferences' | 'name'> {
  ecifId: string;
  name: { given: string; family: string } | null;
  status: CustomerStatus;
  /** The index keys this record owns, so an update can drop the ones it no longer has. */
  identities: IdentityKey[];
  createdAt: string;
  updatedAt: string;
  erasedAt?: string;
  /** Hash of the content a bulk load last wrote: the same line loaded again is unchanged. */
  sourceHash?: string;
  /** On a survivor: the golden records merged into it (their ledgers count towards its decisions). */
  merged?: string[];
  /** On a merged record: where it went, and what moved with it, so a split can bring it back. */
  mergedInto?: MergeLink;
}

/** A merged record's link to its survivor: its identities stay listed on it, its cross-references here. */
export interface MergeLink {
  survivor: string;
  at: string;
  crossReferences: CrossReference[];
  /** Open requests re-pointed to the survivor (a split points those still open back). */
  requests: string[];
}

/** What is left of a golden record after erasure: the id, the status, dates. */
export function anonymized(record: GoldenRecord, at: string): GoldenRecord {
  return {
    ecifId: record.ecifId,
    name: null,
    addresses: [],
    emails: [],
    phones: [],
    nationalIds: [],
    status: 'erased',
    identities: [],
    createdAt: record.createdAt,
    updatedAt: at,
    erasedAt: at,
  };
}
