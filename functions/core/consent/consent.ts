import { z } from 'zod';
import { ecifIdSchema } from '../ecif/customer.ts';
import { newId } from '#core/shared/ids.ts';
import { channels, purposes, type Channel, type Purpose } from './catalog.ts';

export const consentStates = ['granted', 'denied', 'withdrawn'] as const;
export const methods = ['web', 'app', 'branch', 'call_center', 'crm', 'gpc', 'api'] as const;

/** Body of POST /v1/consents. */
export const captureInputSchema = z.strictObject({
  /** Required when a crm or operator captures on a customer's behalf; a customer's own token names it. */
  ecifId: ecifIdSchema.optional(),
  choices: z
    .array(z.strictObject({ purpose: z.enum(purposes), channel: z.enum(channels), state: z.enum(consentStates) }))
    .min(1)
    .max(50),
  lawfulBasis: z.enum(['consent', 'legitimate_interest', 'contract', 'legal_obligation']).default('consent'),
  jurisdiction: z.enum(['GDPR', 'CCPA']),
  notice: z.strictObject({ id: z.string().min(1).max(100), version: z.string().min(1).max(40) }),
  method: z.enum(methods),
  evidence: z
    .strictObject({
      userAgent: z.string().max(500).optional(),
      /** Already hashed by the caller: we never take a raw IP. */
      ipHash: z
        .string()
        .regex(/^[a-f0-9]{64}$/)
        .optional(),
      reference: z.string().max(200).optional(),
    })
    .optional(),
  expiresAt: z.iso.datetime().optional(),
});
export type CaptureInput = z.infer<typeof captureInputSchema>;

export interface ConsentEvent {
  ecifId: string;
  eventId: string;
  purpose: Purpose;
  channel: Channel;
  state: (typeof consentStates)[number];
  lawfulBasis: CaptureInput['lawfulBasis'];
  jurisdiction: CaptureInput['jurisdiction'];
  notice: CaptureInput['notice'];
  method: CaptureInput['method'];
  evidence: NonNullable<CaptureInput['evidence']> & { actorRole: string; actorId: string };
  capturedAt: string;
  expiresAt?: string;
  receiptId: string;
}

/** The projection: the latest event per purpose and channel. */
export type CurrentConsent = Pick<
  ConsentEvent,
  'purpose' | 'channel' | 'state' | 'eventId' | 'capturedAt' | 'expiresAt' | 'notice'
>;

export interface ConsentFlags {
  optOutSale: boolean;
  optOutSharing: boolean;
  limitSensitive: boolean;
  restricted: boolean;
  objectedDirectMarketing: boolean;
  erased: boolean;
}

export const noFlags: ConsentFlags = {
  optOutSale: false,
  optOutSharing: false,
  limitSensitive: false,
  restricted: false,
  objectedDirectMarketing: false,
  erased: false,
};

export const flagNames = Object.keys(noFlags) as (keyof ConsentFlags)[];

/** What set or cleared a flag: a privacy request, a capture (its receipt), or the carry-over of a flag older than its history. */
export type FlagCause = { requestId: string } | { receiptId: string } | { carriedOver: true };

/** A flag set or cleared: a ledger event like a choice, so an as-of answer sees when it changed and why. */
export interface FlagEvent {
  kind: 'flag';
  ecifId: string;
  eventId: string;
  flag: keyof ConsentFlags;
  value: boolean;
  capturedAt: string;
  cause: FlagCause;
}

export type LedgerEvent = ConsentEvent | FlagEvent;
export const isFlagEvent = (e: LedgerEvent): e is FlagEvent => (e as FlagEvent).kind === 'flag';

/** One event per flag the patch names, all at one instant. */
export function flagEvents(ecifId: string, patch: Partial<ConsentFlags>, at: string, cause: FlagCause): FlagEvent[] {
  return flagNames
    .filter((flag) => patch[flag] !== undefined)
    .map((flag) => ({
      kind: 'flag',
      ecifId,
      eventId: newId(new Date(at)),
      flag,
      value: patch[flag]!,
      capturedAt: at,
      cause,
    }));
}

/** Body of POST /v1/consent-decisions: the customer named by ecifId or by a system's local id. */
/** The jurisdiction whose model applies when nothing is recorded (GDPR, the stricter, by default). */
const decisionJurisdiction = z.enum(['GDPR', 'CCPA']).default('GDPR');
export const subjectRefSchema = z.union([
  z.strictObject({ ecifId: ecifIdSchema }),
  z.strictObject({ systemId: z.string().min(1).max(63), localId: z.string().min(1).max(128) }),
]);
export const decisionInputSchema = z.union([
  z.strictObject({
    ecifId: ecifIdSchema,
    purpose: z.enum(purposes),
    channel: z.enum(channels),
    jurisdiction: decisionJurisdiction,
  }),
  z.strictObject({
    systemId: z.string().min(1).max(63),
    localId: z.string().min(1).max(128),
    purpose: z.enum(purposes),
    channel: z.enum(channels),
    jurisdiction: decisionJurisdiction,
  }),
]);
/** What a caller sends (the jurisdiction may be left out: GDPR). */
export type DecisionInput = z.input<typeof decisionInputSchema>;
