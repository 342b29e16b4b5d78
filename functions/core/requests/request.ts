/** A privacy request (GDPR/CCPA) and its lifecycle. */
import { z } from 'zod';
import { addressSchema } from '../ecif/customer.ts';
import type { IdentityKey } from '../ecif/identifiers.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { FollowUpOf } from './follow-ups.ts';

export const requestTypes = [
  'access',
  'portability',
  'erasure',
  'rectification',
  'restriction',
  'objection',
  'opt_out_sale_sharing',
  'limit_sensitive',
] as const;
export type RequestType = (typeof requestTypes)[number];
export const jurisdictions = ['GDPR', 'CCPA'] as const;
export type Jurisdiction = (typeof jurisdictions)[number];

/**
 * Opt-outs and objection take effect at once, without verification (11 CCR §7025-7026; GDPR Art. 21(3)
 * asks no more than identifying the person): a wrong match only stops marketing to someone.
 */
export const immediateTypes: readonly RequestType[] = ['objection', 'opt_out_sale_sharing', 'limit_sensitive'];
export const needsVerification = (type: RequestType) => !immediateTypes.includes(type);

/** What a rectification corrects: the golden record's fields, and the same names in connected systems. */
export const correctionsSchema = z
  .strictObject({
    givenName: z.string().trim().min(1).max(100).optional(),
    familyName: z.string().trim().min(1).max(100).optional(),
    email: z.string().trim().max(254).optional(),
    phone: z.string().trim().max(32).optional(),
    birthDate: z.iso.date().optional(),
    address: addressSchema.optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'name at least one corrected value' });
export type Corrections = z.infer<typeof correctionsSchema>;

/** Body of POST /v1/privacy-requests. */
export const requestInputSchema = z
  .strictObject({
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
    /** Rectification only: the corrected values. */
    corrections: correctionsSchema.optional(),
  })
  .refine((r) => (r.type === 'rectification') === (r.corrections !== undefined), {
    message: 'a rectification names its corrections, and only a rectification has them',
    path: ['corrections'],
  });
export type RequestInput = z.infer<typeof requestInputSchema>;

export const requestStatuses = [
  'pending_verification',
  'received',
  'in_progress',
  'needs_attention',
  'completed',
  'partially_completed',
  'denied',
  'unverified',
  'cancelled',
] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export const terminalStatuses: readonly RequestStatus[] = [
  'completed',
  'partially_completed',
  'denied',
  'unverified',
  'cancelled',
];
export const openStatuses: readonly RequestStatus[] = requestStatuses.filter((s) => !terminalStatuses.includes(s));

export type VerificationState = 'pending' | 'verified' | 'failed';

export interface Verification {
  state: VerificationState;
  /** login: a customer token for the subject; code: a one-time code sent to a contact on file; not_required: opt-outs; follow_up: a follow-up erasure run of a verified request. */
  method: 'login' | 'code' | 'not_required' | 'follow_up';
  /** HMAC of the code, keyed and bound to the request: a 6-digit code is never stored guessable. */
  codeHash?: string;
  codeExpiresAt?: string;
  attempts?: number;
  verifiedAt?: string;
  failure?: 'too_many_attempts' | 'code_expired';
}

/** Art. 12(4) and 11 CCR §7022-7024: the reasons a request may be refused. */
export const denialReasons = [
  'manifestly_unfounded',
  'excessive',
  'identity_not_verified',
  'legal_obligation_to_retain',
  'rights_of_others',
  'legal_claims',
  'not_a_consumer',
] as const;

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
  verification: Verification;
  /** Hash of the requester's follow-up key (an anonymous requester's way back to its request). */
  requesterKeyHash?: string;
  /** Rectification: the corrected values, dropped once the request is closed. */
  corrections?: Corrections;
  receivedAt: string;
  ackDueAt: string;
  dueAt: string;
  /** Set once, by an extension (Art. 12(3), 11 CCR §7021(b)). */
  extension?: { extendedDueAt: string; reason: string; at: string; by: Actor };
  denial?: { reason: (typeof denialReasons)[number]; detail: string; at: string; by: Actor };
  cancelledAt?: string;
  /** Set by the deadline sweeper. */
  attention?: 'due_soon' | 'overdue';
  /** A follow-up erasure run (retention ended, hold released): the request it follows and what it erases. */
  followUp?: FollowUpOf;
  /** The run of the workflow now working on it (an operator's retry starts another); none: the first. */
  run?: string;
  /** A second open request of one type for one subject points at the first. */
  duplicateOf?: string;
  updatedAt: string;
  completedAt?: string;
  /** What the request came to: a short machine reason and counts. */
  outcome?: {
    result: OutcomeResult;
    reasons: string[];
    /** Erasure, rectification, restriction: the recipients of the data that were told (GDPR Art. 19), for the requester to ask about. */
    recipientsNotified?: string[];
  };
  /** Access and portability: where the report is (object keys, not links). */
  report?: { json: string; csv: string; createdAt: string; systems: number };
}

export type OutcomeResult =
  | 'no_data_held'
  | 'erased'
  | 'partially_erased'
  | 'failed_systems'
  | 'workflow_failed'
  | 'report_ready'
  | 'rectified'
  | 'restricted'
  | 'opted_out'
  | 'denied'
  | 'unverified'
  | 'cancelled'
  | 'duplicate';

/** The deadline the request is held to now: the extended one once extended. */
export const effectiveDueAt = (r: Pick<PrivacyRequest, 'dueAt' | 'extension'>) => r.extension?.extendedDueAt ?? r.dueAt;

/** `waiting`: an async system's callback, or an operator's manual task, is awaited. */
export type SystemTaskState = 'pending' | 'running' | 'waiting' | 'succeeded' | 'failed' | 'exempt' | 'skipped';
/** A task still to run (or running, or waiting on its system): the rest are settled. */
export const openTaskStates: readonly SystemTaskState[] = ['pending', 'running', 'waiting'];

/** One connected system's part in a request: `REQ#<id>` / `SYS#<systemId>`. */
export interface SystemTask {
  requestId: string;
  systemId: string;
  action: 'erase' | 'access' | 'rectify' | 'restrict' | 'opt_out';
  /** The subject's id in that system (from the ECIF cross-reference); `search:<by>` for a task found by search. */
  localId: string;
  /** No cross-reference: the connector finds the subject by these identifiers of the golden record (read at each step, never stored here). */
  foundBy?: ('email' | 'phone')[];
  state: SystemTaskState;
  attempts: number;
  fields: { name: string; strategy: string }[];
  /**
   * Fields kept, each with its basis: a retention until its date (then the follow-up erasure applies
   * `afterRetention`), or a legal hold (`hold`: its reference) until the hold is released.
   */
  exemptions: {
    field: string;
    basis: string;
    citation?: string;
    until?: string;
    afterRetention?: string;
    hold?: string;
  }[];
  lastError?: { name: string; message: string };
  proof?: {
    recordsAffected: number;
    fieldsChanged: string[];
    verified: boolean;
    verification: string;
    at: string;
    evidence?: string;
  };
  /** While `waiting`: for what, since when, until when, and the workflow's task token (never shown). */
  waiting?: { for: 'callback' | 'operator'; since: string; until: string; token: string };
  updatedAt: string;
}
