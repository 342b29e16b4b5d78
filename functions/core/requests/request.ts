/** A privacy request (GDPR/CCPA) and its lifecycle. */
import { z } from 'zod';
import type { IdentityKey } from '../ecif/identifiers.ts';

export const requestTypes = [
  'access', 'portability', 'erasure', 'rectification', 'restriction', 'objection', 'opt_out_sale_sharing', 'limit_sensitive',
] as const;
export type RequestType = (typeof requestTypes)[number];
/** The types the workflow carries out today; the others are refused with 422 rather than accepted and left undone. */
export const supportedRequestTypes: readonly RequestType[] = ['erasure'];
export const jurisdictions = ['GDPR', 'CCPA'] as const;
export type Jurisdiction = (typeof jurisdictions)[number];

/** Body of POST /v1/privacy-requests. */
export const requestInputSchema = z.strictObject({
  type: z.enum(requestTypes),
  jurisdiction: z.enum(jurisdictions),
  identifiers: z
    .strictObject({
      email: z.string().max(254).optional(),
      phone: z.string().max(32).optional(),
      nationalId: z.strictObject({ country: z.string().regex(/^[A-Z]{2}$/), value: z.string().max(40) }).optional(),
    })
    .refine((ids) => Object.keys(ids).length > 0, { message: 'at least one identifier is needed' }),
  channel: z.enum(['web', 'app', 'email', 'phone', 'branch', 'api']).default('api'),
});
export type RequestInput = z.infer<typeof requestInputSchema>;

export type RequestStatus =
  | 'received'
  | 'in_progress'
  | 'completed'
  | 'partially_completed'
  | 'needs_attention'
  | 'denied'
  | 'unverified';

export const terminalStatuses: readonly RequestStatus[] = ['completed', 'partially_completed', 'denied', 'unverified'];

export type VerificationState = 'pending' | 'verified' | 'failed';

export interface PrivacyRequest {
  id: string;
  type: RequestType;
  jurisdiction: Jurisdiction;
  channel: RequestInput['channel'];
  status: RequestStatus;
  /** Hashed index keys of the identifiers the requester gave: never the values. */
  identityKeys: IdentityKey[];
  ecifId?: string;
  /** What the resolve step found: false when the identifiers named no one, or someone other than the signed-in customer. */
  subjectFound?: boolean;
  verification: { state: VerificationState; method: 'login' | 'pending-placeholder' };
  receivedAt: string;
  ackDueAt: string;
  dueAt: string;
  updatedAt: string;
  completedAt?: string;
  /** What the request came to: a short machine reason and counts. */
  outcome?: { result: 'no_data_held' | 'erased' | 'partially_erased' | 'failed_systems'; reasons: string[] };
}

export type SystemTaskState = 'pending' | 'running' | 'succeeded' | 'failed' | 'exempt' | 'skipped';

/** One connected system's part in a request: `REQ#<id>` / `SYS#<systemId>`. */
export interface SystemTask {
  requestId: string;
  systemId: string;
  action: 'erase' | 'access' | 'rectify' | 'restrict' | 'opt_out';
  /** The subject's id in that system (from the ECIF cross-reference). */
  localId: string;
  state: SystemTaskState;
  attempts: number;
  fields: { name: string; strategy: string }[];
  exemptions: { field: string; basis: string; citation?: string; until: string }[];
  lastError?: { name: string; message: string };
  proof?: { recordsAffected: number; fieldsChanged: string[]; verified: boolean; verification: string; at: string };
  updatedAt: string;
}
