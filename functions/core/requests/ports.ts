import type { PrivacyRequest, SystemTask } from './request.ts';

export interface IdempotencyClaim {
  /** Hash of the caller's Idempotency-Key (scoped by caller). */
  keyHash: string;
  /** Hash of the canonical body: the same key with another body is refused. */
  bodyHash: string;
}

export interface RequestStore {
  /** Creates the request; with a claim already used for the same body, returns the first request instead. */
  create(request: PrivacyRequest, claim?: IdempotencyClaim): Promise<{ request: PrivacyRequest; replayed: boolean }>;
  get(id: string): Promise<PrivacyRequest | undefined>;
  update(id: string, patch: Partial<Omit<PrivacyRequest, 'id'>>): Promise<void>;
  /** Writes the task unless one exists for that system already (plans are idempotent). */
  putTaskIfAbsent(task: SystemTask): Promise<void>;
  getTask(requestId: string, systemId: string): Promise<SystemTask | undefined>;
  updateTask(requestId: string, systemId: string, patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>>): Promise<void>;
  tasks(requestId: string): Promise<SystemTask[]>;
  /** Ids of requests in a status, earliest due first. */
  idsByStatus(status: PrivacyRequest['status'], limit?: number): Promise<string[]>;
}

/** Starts the privacy-request workflow; starting twice for one request is a no-op. */
export interface RequestWorkflow {
  start(requestId: string): Promise<void>;
}
