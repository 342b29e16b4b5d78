import type {
  Jurisdiction,
  PrivacyRequest,
  RequestStatus,
  RequestType,
  SystemTask,
  SystemTaskState,
} from './request.ts';

/** What `update`, `transition` and `updateIfStatus` write beside the status: never the status itself. */
export type RequestPatch = Partial<Omit<PrivacyRequest, 'id' | 'status'>>;

export interface RequestStore {
  /** Creates the request (a retried submission is answered by the chain's Idempotency-Key, before this). */
  create(request: PrivacyRequest): Promise<void>;
  get(id: string): Promise<PrivacyRequest | undefined>;
  /**
   * The request and one of its tasks, from a read that may be shared with the request's other system
   * steps asking at the same moment (they all start at once): for what is fixed once it is planned
   * (type, subject, corrections; the task's system, local id, action and fields) and as a snapshot of
   * its state, never to decide a change of it (claimTask and moveTask do that, conditionally).
   */
  getPlanned(id: string, systemId: string): Promise<{ request: PrivacyRequest; task?: SystemTask } | undefined>;
  /** Attributes other than the status (a patch naming the status is refused: `transition` is its only door). */
  update(id: string, patch: RequestPatch): Promise<void>;
  /**
   * The one way to change a status: only a move the lifecycle table allows (lifecycle.ts; a ConflictError
   * naming both statuses otherwise), and only if the status is still `from` (a ConflictError otherwise):
   * two actors never both win.
   */
  transition(id: string, from: RequestStatus, to: RequestStatus, patch?: RequestPatch): Promise<void>;
  /** A change that keeps the status, made only if the status is still `status` (a ConflictError otherwise). */
  updateIfStatus(id: string, status: RequestStatus, patch: RequestPatch): Promise<void>;
  /** Requests matching a filter, by status then earliest due first, paged by an opaque cursor. */
  list(
    filter: RequestFilter,
    page: { limit: number; cursor?: string },
  ): Promise<{ items: PrivacyRequest[]; cursor?: string }>;
  /** Counts one wrong code, only if `before` tries were counted so far (a ConflictError otherwise). */
  countAttempt(id: string, before: number): Promise<void>;
  /**
   * The duplicate rule: claims "the open request of this type for this subject" for `requestId`, unless
   * another request holds it and is still open. Returns the holder's id (`requestId` when the claim won).
   */
  claimOpen(ecifId: string, type: RequestType, requestId: string): Promise<string>;
  /** Writes each task unless one exists for its system already (plans are idempotent). */
  putTasksIfAbsent(tasks: SystemTask[]): Promise<void>;
  getTask(requestId: string, systemId: string): Promise<SystemTask | undefined>;
  /**
   * Marks an open task (pending, running or waiting) running and counts the attempt, in one write;
   * the task as it now is. Undefined when the task is settled or absent: left as it is.
   */
  claimTask(requestId: string, systemId: string, at: string): Promise<SystemTask | undefined>;
  updateTask(
    requestId: string,
    systemId: string,
    patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>>,
  ): Promise<void>;
  /** Conditional on the task's state: ConflictError when it is no longer `from` (two callbacks racing, say). */
  moveTask(
    requestId: string,
    systemId: string,
    from: SystemTaskState,
    patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>> & { state: SystemTaskState },
  ): Promise<void>;
  tasks(requestId: string): Promise<SystemTask[]>;
  /** Ids of requests in a status, earliest due first. */
  idsByStatus(status: PrivacyRequest['status'], limit?: number): Promise<string[]>;
}

export interface RequestFilter {
  statuses: readonly RequestStatus[];
  type?: RequestType;
  jurisdiction?: Jurisdiction;
  /** One subject's requests (a merge re-points them): a filter on the status index, open requests being few. */
  ecifId?: string;
  /** Held-to deadline (the extended one once extended) before this instant. */
  dueBefore?: string;
}

/** Starts the privacy-request workflow; starting twice for one request (and run) is a no-op. */
export interface RequestWorkflow {
  /** `run` names a later run of the same request (an operator's retry); the first run has none. */
  start(requestId: string, run?: string): Promise<void>;
  /** A waiting step (callback, operator task) is done: its output goes on. ConflictError when the step no longer waits. */
  completeTask(token: string, output: Record<string, unknown>): Promise<void>;
  /** A waiting step failed: the state's Catch records it. */
  failTask(token: string, error: string, cause: string): Promise<void>;
  /** A waiting step is still alive (a progress callback). */
  heartbeatTask(token: string): Promise<void>;
}
