/** The port every connector kind implements; adapters/connectors/ holds the kinds. */
import type { ConnectedSystem, FieldRule } from './system.ts';

export type SystemAction = 'erase' | 'access' | 'rectify' | 'restrict' | 'opt_out';

export interface SystemWork {
  requestId: string;
  system: ConnectedSystem;
  action: SystemAction;
  localId: string;
  fields: FieldRule[];
  /** Same key on every retry: the system applies the effect once. */
  idempotencyKey: string;
  /** rectify: the corrected value of each field (personal data: never logged, never audited). */
  values?: Record<string, string>;
  /** opt_out and restrict: which flags to set (optOutSale, limitSensitive, restricted, ...). */
  flags?: string[];
  /**
   * A task with no cross-reference (`foundBy`): the golden record's identifiers to search the system by
   * (personal data: never logged, never audited, never stored in the task).
   */
  identifiers?: { email?: string[]; phone?: string[] };
}

/** Proof holds counts, field names and hashes: never the values. */
export interface ConnectorOutcome {
  recordsAffected: number;
  fieldsChanged: string[];
  detail?: string;
  /** access: what the system holds for the subject, for the report only (never in proof or audit). */
  data?: Record<string, unknown>;
}

export interface Verification {
  verified: boolean;
  /** Fields that still hold what they held before (empty when verified). */
  remaining: string[];
  method: string;
}

/** Where an async system sends its answer: our callback route for this request and system. */
export interface CallbackTicket {
  path: string;
  /** Absolute, where the deployment knows its public base URL. */
  url?: string;
}

/** The callback route of a request's system (docs/connectors.md): what its callback's signature covers. */
export const callbackPath = (requestId: string, systemId: string) =>
  `/v1/callbacks/${encodeURIComponent(requestId)}/${encodeURIComponent(systemId)}`;

export type StartOutcome = { accepted: true } | { accepted: false; outcome: ConnectorOutcome };

export interface Connector {
  execute(work: SystemWork): Promise<ConnectorOutcome>;
  /** Async kinds: asks the system to do the work and call back; `accepted: false` when it finished at once. */
  start?(work: SystemWork, callback: CallbackTicket): Promise<StartOutcome>;
  /** Reads back what the system now holds for the subject and checks the action took effect; undefined when it cannot check that action. */
  verify?(work: SystemWork): Promise<Verification | undefined>;
  /** After a call: when the system asked for no call before a time (a spent quota in its rate-limit headers), that time (epoch ms). */
  slowedUntil?(): number | undefined;
}
