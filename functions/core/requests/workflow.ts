/**
 * The privacy-request workflow's steps, one function per state. Each is idempotent: Step Functions
 * may run a step twice (retries, a re-driven execution), and the result must be the same.
 */
import type { AuditLog } from '../audit/ports.ts';
import type { ConsentLedger } from '../consent/ports.ts';
import type { Connector, ConnectorOutcome, SystemWork } from '../connectors/connector.ts';
import {
  markSearched,
  planAction,
  planErasure,
  planFollowUpErasure,
  planUnderHold,
  searchReferences,
} from '../connectors/planning.ts';
import { holdOnSubject, type LegalHolds } from '../ecif/legal-hold.ts';
import { buildAccessReport, reportCsv } from '../reports/access-report.ts';
import type { ReportStore } from '../reports/ports.ts';
import type { CustomerInput } from '../ecif/customer.ts';
import type { IdentityHasher } from '../ecif/identifiers.ts';
import { upsertCustomer } from '../ecif/upsert-customer.ts';
import { assertCorrectionsTakeable } from './corrections.ts';
import { flagsFor } from './immediate-rights.ts';
import { correctedValues, rights } from './rights.ts';
import { executionOf, syncExecution, type ConnectedSystem, type Strategy } from '../connectors/system.ts';
import { anonymized, type CrossReference, type GoldenRecord } from '../ecif/customer.ts';
import type { EcifRegistry, SystemsRegistry } from '../ecif/ports.ts';
import { resolveByKeys } from '../ecif/resolve-subject.ts';
import { contactOnFile, type ContactPoint, type Outbox } from '../notifications/outbox.ts';
import { workflowActor, type Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import {
  NotFoundError,
  PermanentSystemError,
  ReadBackDisagreement,
  TransientSystemError,
} from '#core/shared/errors.ts';
import {
  completeFollowUp,
  holdFollowUp,
  recordFollowUps,
  retentionFollowUps,
  type FollowUpStore,
} from './follow-ups.ts';
import type { RequestStore } from './ports.ts';
import {
  openTaskStates,
  terminalStatuses,
  type PrivacyRequest,
  type RequestStatus,
  type SystemTask,
} from './request.ts';

export interface WorkflowDeps {
  requests: RequestStore;
  ecif: EcifRegistry;
  systems: SystemsRegistry;
  consent: ConsentLedger;
  audit: AuditLog;
  clock: Clock;
  hash: IdentityHasher;
  outbox: Outbox;
  reports: ReportStore;
  followUps: FollowUpStore;
  holds: LegalHolds;
  connectorFor(system: ConnectedSystem): Connector;
}

async function loaded(deps: Pick<WorkflowDeps, 'requests'>, requestId: string): Promise<PrivacyRequest> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new NotFoundError('no such request', { requestId });
  return request;
}

const record_ = (...args: Parameters<typeof record>) => record(...args);

function record(
  deps: Pick<WorkflowDeps, 'audit'>,
  request: PrivacyRequest,
  action: string,
  details: Record<string, unknown>,
  systemId?: string,
) {
  return deps.audit.append({
    stream: `request:${request.id}`,
    actor: workflowActor,
    action,
    target: {
      requestId: request.id,
      ...(request.ecifId ? { ecifId: request.ecifId } : {}),
      ...(systemId ? { systemId } : {}),
    },
    details,
  });
}

/** Where a request stands after its first step; the Map runs `systems`, each as its `mode` says. */
export interface Prepared {
  requestId: string;
  type: PrivacyRequest['type'];
  /** Nothing to run: only finalized (idempotently). */
  terminal: boolean;
  found: boolean;
  systems: ({ systemId: string } & ReturnType<typeof executionOf>)[];
}

/**
 * The workflow's first step: the request started, its subject resolved in the ECIF and its systems
 * planned, from one read of the request (one Lambda and one state transition in place of three).
 * Everything is read first; then one write starts the request and names its subject, and the tasks
 * and the trail are written side by side. Run again (a retry, a re-driven execution) it starts
 * nothing twice, keeps the subject it resolved, writes no task twice and answers the systems still open.
 */
export async function prepareStep(deps: WorkflowDeps, input: { requestId: string }): Promise<Prepared> {
  const request = await loaded(deps, input.requestId);
  const answer = { requestId: request.id, type: request.type };
  // Never run unverified: a start that raced ahead of verification only re-finalizes nothing.
  if (request.status === 'pending_verification' || terminalStatuses.includes(request.status))
    return { ...answer, terminal: true, found: false, systems: [] };
  const first = request.status === 'received';
  const subject = await resolved(deps, request);
  // A corrected value the ECIF would refuse stops the run here, before any system is written.
  if (subject.found) await assertCorrectionsTakeable(deps, subject.request);
  const plan = subject.found ? await planned(deps, subject) : undefined;
  const named = subject.resolution
    ? { subjectFound: subject.found, ...(subject.found && !request.ecifId ? { ecifId: subject.request.ecifId } : {}) }
    : {};
  // Conditional: a requester's cancellation that won the race stops the run here, before any task is written.
  if (first)
    await deps.requests.transition(request.id, 'received', 'in_progress', {
      updatedAt: deps.clock.now().toISOString(),
      ...named,
    });
  else if (subject.resolution) await deps.requests.update(request.id, named);
  // The trail's events are appended in order while the tasks are written (each is a fact by now).
  const trail: Promise<unknown>[] = [];
  if (first) trail.push(record(deps, request, 'request.started', { type: request.type }));
  if (subject.resolution)
    trail.push(
      record(deps, subject.request, 'request.subject_resolved', { found: subject.found, ...subject.resolution }),
    );
  try {
    const systems = plan ? await written(deps, subject.request, plan, first) : [];
    await Promise.all(trail);
    return { ...answer, terminal: false, found: subject.found, systems };
  } catch (err) {
    await Promise.allSettled(trail);
    throw err;
  }
}

/** The subject as this step found it; what it read on the way is passed on, not read again. */
interface Subject {
  /** The request with the subject named (ecifId, subjectFound). */
  request: PrivacyRequest;
  found: boolean;
  /** Resolved by this run (to be kept on the request and audited); none when an earlier run did. */
  resolution?: { by: 'identifiers' | 'login' | 'follow_up' | 'none'; crossReferences: string[] };
  crossReferences?: CrossReference[];
  record?: GoldenRecord;
}

/** Who the request is about: reads only (the caller's one write keeps it on the request). */
async function resolved(deps: WorkflowDeps, request: PrivacyRequest): Promise<Subject> {
  // Resolved by an earlier run of this step: the same subject, not resolved (nor audited) twice.
  if (request.subjectFound !== undefined) return { request, found: request.subjectFound };
  if (request.followUp?.systemId) {
    // A retention follow-up: the subject was resolved (and erased in the ECIF) by the request it follows.
    return {
      request: { ...request, subjectFound: true },
      found: true,
      resolution: { by: 'follow_up', crossReferences: [request.followUp.systemId] },
    };
  }
  const resolution = await resolveByKeys(deps.ecif, request.identityKeys);
  // A signed-in customer is its ecifId: the identifiers it typed may add nothing, but must not name someone else.
  const byLogin = request.ecifId && !resolution ? await deps.ecif.getCustomer(request.ecifId) : undefined;
  const found = resolution
    ? !request.ecifId || request.ecifId === resolution.ecifId
    : !!byLogin && byLogin.status !== 'erased';
  // Kept on the request: a signed-in customer has an ecifId even when its identifiers named someone else.
  const ecifId = found ? (request.ecifId ?? resolution!.ecifId) : undefined;
  const crossReferences = found ? (resolution?.crossReferences ?? (await deps.ecif.crossReferences(ecifId!))) : [];
  return {
    request: { ...request, subjectFound: found, ...(ecifId ? { ecifId } : {}) },
    found,
    resolution: {
      by: !found ? 'none' : resolution ? 'identifiers' : 'login',
      crossReferences: crossReferences.map((x) => x.systemId),
    },
    crossReferences,
    record: found ? (resolution?.record ?? byLogin) : undefined,
  };
}

/** The request's tasks, one per system, with the systems as registered now: reads only. */
async function planned(deps: WorkflowDeps, subject: Subject) {
  const { request } = subject;
  const systems = await deps.systems.list();
  const tasks = request.followUp?.systemId
    ? planFollowUpErasure(request.id, request.followUp, systems, deps.clock.now())
    : await planFromEcif(deps, subject, systems);
  return { systems, tasks };
}

/**
 * The tasks written once, the plan audited, the open ones answered for the Map. On the request's
 * first run no task can exist yet (a request is `received` only before it starts), so what was
 * written is what is stored; a later run reads back what an earlier one wrote.
 */
async function written(
  deps: WorkflowDeps,
  request: PrivacyRequest,
  plan: { systems: ConnectedSystem[]; tasks: SystemTask[] },
  first: boolean,
): Promise<Prepared['systems']> {
  await deps.requests.putTasksIfAbsent(plan.tasks);
  const stored = first
    ? [...plan.tasks].sort((a, b) => (a.systemId < b.systemId ? -1 : a.systemId > b.systemId ? 1 : 0))
    : await deps.requests.tasks(request.id);
  await record(deps, request, 'request.planned', {
    systems: stored.map((t) => ({
      systemId: t.systemId,
      action: t.action,
      state: t.state,
      exemptions: t.exemptions.map((e) => e.field),
    })),
  });
  return stored
    .filter((t) => openTaskStates.includes(t.state))
    .map((t) => {
      const system = plan.systems.find((s) => s.systemId === t.systemId);
      return { systemId: t.systemId, ...(system ? executionOf(system) : syncExecution) };
    });
}

async function planFromEcif(deps: WorkflowDeps, subject: Subject, systems: ConnectedSystem[]): Promise<SystemTask[]> {
  const { request } = subject;
  const ecifId = request.ecifId!;
  const right = rights[request.type];
  if (right.action === 'erase') {
    // What erasure needs, read at once: where the subject is, any legal hold, when the relationship ended.
    const [known, record] = await Promise.all([
      subject.crossReferences ?? deps.ecif.crossReferences(ecifId),
      subject.record ?? deps.ecif.getCustomer(ecifId),
    ]);
    // Systems without a cross-reference that look for the subject by its identifiers plan as if they had one.
    const searched = searchReferences(known, systems, record);
    const xrefs = [...known, ...searched];
    // After a merge, a hold on any record merged into this one holds its erasure too.
    const hold = await holdOnSubject(deps, ecifId, record);
    // A legal hold: nothing is destroyed while it is on (GDPR Art. 17(3)(e)).
    if (hold) return markSearched(planUnderHold(request.id, xrefs, systems, deps.clock.now(), hold), searched);
    const tasks = planErasure(request.id, xrefs, systems, deps.clock.now(), {
      relationshipEndedOn: record?.relationshipEndedOn,
    });
    return markSearched(tasks, searched);
  }
  const known = subject.crossReferences ?? (await deps.ecif.crossReferences(ecifId));
  // The golden record is read only when some system looks for subjects by their identifiers.
  const searching = systems.some((s) => s.connector.kind === 'rest' && s.connector.findBy);
  const record = searching ? (subject.record ?? (await deps.ecif.getCustomer(ecifId))) : undefined;
  const searched = searchReferences(known, systems, record);
  const xrefs = [...known, ...searched];
  return markSearched(
    planAction(request.id, right.action, xrefs, systems, deps.clock.now(), {
      everySystem: right.everySystem,
      // A rectification reaches the systems holding a corrected field, with those fields only.
      ...(request.corrections
        ? {
            fieldsOf: (s: ConnectedSystem) =>
              Object.keys(
                correctedValues(
                  request.corrections!,
                  s.fields.map((f) => f.name),
                ),
              ),
          }
        : {}),
    }),
    searched,
  );
}

/**
 * A task found by search: the golden record's identifiers it searches by, read at each step (never
 * kept in the task). A subject since erased from the ECIF has none left: nothing to search for.
 */
async function identifiersOf(deps: WorkflowDeps, request: PrivacyRequest, task: SystemTask) {
  if (!task.foundBy || !request.ecifId) return undefined;
  const record = await deps.ecif.getCustomer(request.ecifId);
  return {
    ...(task.foundBy.includes('email') ? { email: record?.emails ?? [] } : {}),
    ...(task.foundBy.includes('phone') ? { phone: record?.phones ?? [] } : {}),
  };
}

/** The work a system's step asks of its connector; the idempotency key is the same on every retry. */
export function workOf(
  request: PrivacyRequest,
  task: SystemTask,
  system: ConnectedSystem,
  identifiers?: SystemWork['identifiers'],
): SystemWork {
  // An erasure applies the task's strategy: a retained field's follow-up erases it its after-retention way.
  const fields = system.fields.flatMap((f) => {
    const planned = task.fields.find((t) => t.name === f.name);
    if (!planned) return [];
    return task.action === 'erase' ? [{ ...f, strategy: planned.strategy as Strategy }] : [f];
  });
  return {
    requestId: request.id,
    system,
    action: task.action,
    localId: task.localId,
    fields,
    idempotencyKey: `${request.id}:${task.systemId}:${task.action}`,
    ...(task.action === 'rectify' && request.corrections
      ? {
          values: correctedValues(
            request.corrections,
            fields.map((f) => f.name),
          ),
        }
      : {}),
    ...(task.action === 'opt_out' || task.action === 'restrict'
      ? { flags: Object.keys(flagsFor[request.type] ?? {}) }
      : {}),
    ...(identifiers ? { identifiers } : {}),
  };
}

/** The step of one system: its task, the system as registered now, and the work. Undefined when the task is already settled. */
export async function systemStepOf(deps: WorkflowDeps, input: { requestId: string; systemId: string }) {
  const request = await loaded(deps, input.requestId);
  const task = await deps.requests.getTask(request.id, input.systemId);
  if (!task) throw new NotFoundError('no such system task', { systemId: input.systemId });
  if (!openTaskStates.includes(task.state)) return { request, task };
  const system = await deps.systems.get(task.systemId);
  if (!system) throw new PermanentSystemError('the system is no longer registered');
  return { request, task, system, work: workOf(request, task, system, await identifiersOf(deps, request, task)) };
}

/**
 * What a system did, made proof: the access data to the report store only (never into the proof or
 * the audit log), a read-back where the connector can, then the task succeeded (conditional on the
 * state it was in, so two answers for one step count once) and the audit event.
 */
export async function recordSystemOutcome(
  deps: WorkflowDeps,
  step: {
    request: PrivacyRequest;
    task: SystemTask;
    work: SystemWork;
    connector: Connector;
    from: SystemTask['state'];
  },
  { data, ...outcome }: ConnectorOutcome,
  attested?: { verification: string; evidence?: string; actor?: Actor },
) {
  const { request, task, work, connector } = step;
  const now = () => deps.clock.now().toISOString();
  if (task.action === 'access') await deps.reports.putSystemData(request.id, task.systemId, data ?? {});
  const readBack = !attested && connector.verify && task.action !== 'access' ? await connector.verify(work) : undefined;
  const verification = readBack ?? {
    verified: false,
    remaining: [],
    method: attested?.verification ?? (task.action === 'access' ? 'not-applicable' : 'not-supported'),
  };
  if (readBack && !readBack.verified) throw new ReadBackDisagreement(task.action, readBack.remaining, readBack.method);
  const proof = {
    ...outcome,
    verified: verification.verified,
    verification: verification.method,
    at: now(),
    ...(attested?.evidence ? { evidence: attested.evidence } : {}),
  };
  await deps.requests.moveTask(request.id, task.systemId, step.from, { state: 'succeeded', proof, updatedAt: now() });
  await deps.audit.append({
    stream: `request:${request.id}`,
    actor: attested?.actor ?? workflowActor,
    action: 'request.system_succeeded',
    target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}), systemId: task.systemId },
    details: { action: task.action, ...proof },
  });
  return { systemId: task.systemId, state: 'succeeded' as const };
}

export async function executeSystemStep(deps: WorkflowDeps, input: { requestId: string; systemId: string }) {
  const now = () => deps.clock.now().toISOString();
  // The request and this task, in one read shared with the request's other system steps starting now.
  const [planned, system] = await Promise.all([
    deps.requests.getPlanned(input.requestId, input.systemId),
    deps.systems.get(input.systemId),
  ]);
  if (!planned) throw new NotFoundError('no such request', { requestId: input.requestId });
  const { request, task } = planned;
  if (!task) throw new NotFoundError('no such system task', { systemId: input.systemId });
  // Settled already (a re-driven execution): left as it is.
  if (!openTaskStates.includes(task.state)) return { systemId: task.systemId, state: task.state };
  if (!system) throw new PermanentSystemError('the system is no longer registered');
  const work = workOf(request, task, system, await identifiersOf(deps, request, task));
  const connector = deps.connectorFor(system);
  // The task is claimed (running, the attempt counted) while the call is out, not before it: the
  // write stays off the call's path. The call carries the same idempotency key on every attempt, so
  // one that went out for a task settled meanwhile (the claim finds it so) does no second harm, and
  // its answer changes nothing here.
  const [claim, call] = await Promise.allSettled([
    deps.requests.claimTask(request.id, task.systemId, now()),
    connector.execute(work),
  ]);
  if (claim.status === 'rejected') throw claim.reason;
  const claimed = claim.value;
  if (!claimed) {
    const settled = await deps.requests.getTask(request.id, task.systemId);
    return { systemId: task.systemId, state: settled?.state ?? task.state };
  }
  if (call.status === 'fulfilled')
    return recordSystemOutcome(deps, { request, task: claimed, work, connector, from: 'running' }, call.value);
  const err = call.reason as Error;
  if (err instanceof TransientSystemError) {
    await deps.requests.updateTask(request.id, task.systemId, {
      lastError: { name: err.name, message: err.message },
      updatedAt: now(),
    });
    await record(
      deps,
      request,
      'request.system_retrying',
      { error: err.name, attempt: claimed.attempts },
      task.systemId,
    );
  }
  throw err;
}

export async function recordSystemFailureStep(
  deps: WorkflowDeps,
  input: { requestId: string; systemId: string; error?: { Error?: string; Cause?: string } },
) {
  const request = await loaded(deps, input.requestId);
  // A duplicate invocation of the step that lost the race to a success: the success stands.
  if ((await deps.requests.getTask(request.id, input.systemId))?.state === 'succeeded')
    return { systemId: input.systemId, state: 'succeeded' as const };
  const name = input.error?.Error ?? 'Unknown';
  // The cause is Lambda's error JSON; keep only its message, which our connectors keep free of personal data.
  const message = causeMessage(input.error?.Cause).slice(0, 500);
  await deps.requests.updateTask(request.id, input.systemId, {
    state: 'failed',
    lastError: { name, message },
    updatedAt: deps.clock.now().toISOString(),
  });
  await record(deps, request, 'request.system_failed', { error: name }, input.systemId);
  return { systemId: input.systemId, state: 'failed' as const };
}

/** Lambda's error JSON as the state machine hands it on: only its message (ours carry no personal data). */
export function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export async function finalizeStep(
  deps: WorkflowDeps,
  input: { requestId: string },
): Promise<{ requestId: string; status: RequestStatus }> {
  // Read at once: the tasks are keyed by the request id the input names.
  const [request, tasks] = await Promise.all([loaded(deps, input.requestId), deps.requests.tasks(input.requestId)]);
  if (terminalStatuses.includes(request.status) || request.status === 'pending_verification')
    return { requestId: request.id, status: request.status };
  const at = deps.clock.now().toISOString();
  if (!request.ecifId || request.subjectFound === false) {
    return close(
      deps,
      request,
      'completed',
      { result: 'no_data_held', reasons: ['no customer matched the identifiers given'] },
      at,
    );
  }
  const failed = tasks.filter((t) => t.state === 'failed' || openTaskStates.includes(t.state));
  if (failed.length > 0) {
    // The golden record stays until every system is done: its cross-references drive the retry.
    return close(
      deps,
      request,
      'needs_attention',
      { result: 'failed_systems', reasons: failed.map((t) => `${t.systemId}: ${t.lastError?.name ?? t.state}`) },
      at,
    );
  }
  const customer = await deps.ecif.getCustomer(request.ecifId);
  const contact = contactOnFile(customer);
  const hold = request.type === 'erasure' ? tasks.flatMap((t) => t.exemptions).find((e) => e.hold)?.hold : undefined;
  // Follow-ups are stored before closing: a finalize that dies after closing is not run again past the terminal check.
  if (hold) await keepUnderHold(deps, request, hold, at);
  // A retention follow-up erases fields only: the ECIF and consent were done by the request it follows.
  else if (!request.followUp?.systemId) await applyInEcifAndConsent(deps, request, tasks, at, customer);
  if (request.type === 'erasure' && !hold) await recordFollowUps(deps, retentionFollowUps(request, tasks, at));
  if (request.followUp)
    await completeFollowUp(deps, request, skippedOf(tasks).length ? 'partially_completed' : 'completed');
  const recipientsNotified = hold ? [] : await notifyRecipients(deps, request, tasks);
  const reasons = exemptionReasons(tasks);
  const skipped = skippedOf(tasks);
  const partial = skipped.length > 0 || hold !== undefined;
  const result = rights[request.type].result;
  return close(
    deps,
    request,
    partial ? 'partially_completed' : 'completed',
    {
      result: partial && result === 'erased' ? 'partially_erased' : result,
      reasons: [...reasons, ...skipped],
      ...(recipientsNotified.length ? { recipientsNotified } : {}),
    },
    at,
    contact,
    reasons,
  );
}

/** The rights whose every recipient must be told (GDPR Art. 19; 11 CCR §7022 for deletion). */
const toldToRecipients: readonly PrivacyRequest['type'][] = ['erasure', 'rectification', 'restriction'];

/**
 * GDPR Art. 19: each recipient of the data (a system registered `recipient: true`) is told of the
 * erasure, rectification or restriction. For a connected system the connector's own call is that
 * communication; this records, once per request, which recipients were told, for the audit trail
 * and for the requester, who may ask who they are.
 */
async function notifyRecipients(deps: WorkflowDeps, request: PrivacyRequest, tasks: SystemTask[]): Promise<string[]> {
  if (!toldToRecipients.includes(request.type)) return [];
  const systems = await deps.systems.list();
  const told = tasks
    .filter((t) => t.state === 'succeeded' && systems.some((s) => s.systemId === t.systemId && s.recipient))
    .map((t) => t.systemId)
    .sort();
  if (told.length && !request.outcome?.recipientsNotified)
    await record(deps, request, 'request.recipients_notified', { systems: told, basis: 'GDPR Art. 19' });
  return told;
}

/**
 * An erasure answered under a legal hold: the golden record stays, processing is restricted to the
 * legal claim (Art. 18(2)), and the erasure is recorded to run once the hold is released (at once when
 * it was released while this request ran).
 */
async function keepUnderHold(deps: WorkflowDeps, request: PrivacyRequest, reference: string, at: string) {
  await deps.consent.setFlags(request.ecifId!, { restricted: true }, at, { requestId: request.id });
  const followUp = holdFollowUp(request, { reference }, at);
  const stillHeld = await holdOnSubject(deps, request.ecifId!);
  await recordFollowUps(deps, [stillHeld ? followUp : { ...followUp, state: 'scheduled', dueAt: at }]);
}

/** The right's effect on the control plane itself, once every system is done. */
async function applyInEcifAndConsent(
  deps: WorkflowDeps,
  request: PrivacyRequest,
  tasks: SystemTask[],
  at: string,
  customer: GoldenRecord | undefined,
) {
  const ecifId = request.ecifId!;
  switch (request.type) {
    case 'erasure':
      return eraseInEcif(deps, request, customer, at);
    case 'restriction':
      return deps.consent.setFlags(ecifId, { restricted: true }, at, { requestId: request.id });
    case 'rectification':
      return rectifyInEcif(deps, request, at);
    case 'access':
    case 'portability':
      return writeReport(deps, request, tasks, at);
    default:
      // Opt-outs and objection took effect in consent when the request was received.
      return undefined;
  }
}

async function rectifyInEcif(deps: WorkflowDeps, request: PrivacyRequest, at: string) {
  const record = await deps.ecif.getCustomer(request.ecifId!);
  const c = request.corrections;
  if (!record || !c || record.status === 'erased') return;
  const { ecifId: _id, status: _s, identities: _i, createdAt: _c, updatedAt: _u, erasedAt: _e, name, ...rest } = record;
  const input: CustomerInput = {
    ...rest,
    name: { given: c.givenName ?? name?.given ?? '-', family: c.familyName ?? name?.family ?? '-' },
    ...(c.birthDate ? { birthDate: c.birthDate } : {}),
    // The corrected value becomes the first (the contact on file); the old one is dropped.
    emails: c.email ? [c.email, ...(record.emails ?? []).slice(1)] : (record.emails ?? []),
    phones: c.phone ? [c.phone, ...(record.phones ?? []).slice(1)] : (record.phones ?? []),
    addresses: c.address ? [c.address, ...(record.addresses ?? []).slice(1)] : (record.addresses ?? []),
    nationalIds: record.nationalIds ?? [],
    crossReferences: (await deps.ecif.crossReferences(record.ecifId)).map(({ since: _since, ...x }) => x),
  };
  await upsertCustomer(deps, record.ecifId, input, {
    ...workflowActor,
    principal: `${workflowActor.principal}:${request.id}`,
  });
  void at;
}

async function writeReport(deps: WorkflowDeps, request: PrivacyRequest, tasks: SystemTask[], at: string) {
  if (request.report) return;
  const record = await deps.ecif.getCustomer(request.ecifId!);
  if (!record) return;
  const known = await deps.ecif.crossReferences(record.ecifId);
  // Systems that found the subject by search report as one more section, said as such.
  const searched = tasks
    .filter((t) => t.foundBy && !known.some((x) => x.systemId === t.systemId))
    .map((t) => ({
      systemId: t.systemId,
      localId: t.localId,
      since: '',
      source: `the system's search by ${t.foundBy}`,
    }));
  const xrefs = [...known, ...searched];
  const systems = await deps.systems.list();
  const sections = await Promise.all(
    xrefs.map(async (x) => {
      const task = tasks.find((t) => t.systemId === x.systemId);
      return {
        system: systems.find((s) => s.systemId === x.systemId),
        crossReference: x,
        data: task?.state === 'succeeded' ? await deps.reports.systemData(request.id, x.systemId) : undefined,
        state: task?.state ?? 'not_planned',
      };
    }),
  );
  const report = buildAccessReport({
    request,
    record,
    consents: await deps.consent.current(record.ecifId),
    systems: sections,
    generatedAt: at,
  });
  const keys = await deps.reports.putReport(request.id, {
    json: JSON.stringify(report, null, 2),
    csv: reportCsv(report),
  });
  await deps.requests.update(request.id, { report: { ...keys, createdAt: at, systems: sections.length } });
  await record_(deps, request, 'request.report_created', { systems: sections.length, formats: ['json', 'csv'] });
}

/** The golden record anonymized (the one finalize read for the answer's contact) and consent marked erased, at once. */
async function eraseInEcif(deps: WorkflowDeps, request: PrivacyRequest, record: GoldenRecord | undefined, at: string) {
  const ecifId = request.ecifId!;
  // An erasure of a survivor erases the records merged into it (their identifiers are the survivor's now).
  const merged = record?.merged?.length ? await deps.ecif.getCustomers(record.merged) : [];
  await Promise.all([
    record && record.status !== 'erased'
      ? deps.ecif.eraseCustomer(anonymized(record, at), record.identities)
      : undefined,
    ...merged.filter((m) => m.status !== 'erased').map((m) => deps.ecif.eraseCustomer(anonymized(m, at), [])),
    ...[ecifId, ...merged.map((m) => m.ecifId)].map((id) =>
      deps.consent.setFlags(id, { erased: true }, at, { requestId: request.id }),
    ),
  ]);
}

const skippedOf = (tasks: SystemTask[]) =>
  tasks.filter((t) => t.state === 'skipped').map((t) => `${t.systemId}: ${t.lastError?.name ?? 'skipped'}`);

/** The requester's answer, per system: "core-banking: retained under AML record-keeping until 2030-06-02 (balance, ...)". */
export function exemptionReasons(tasks: SystemTask[]): string[] {
  return tasks.flatMap((t) => {
    const groups = new Map<string, { basis: string; citation?: string; until: string; fields: string[] }>();
    for (const e of t.exemptions) {
      const until = e.until ? e.until.slice(0, 10) : 'the hold is released';
      const key = `${e.basis}|${until}`;
      const g = groups.get(key) ?? {
        basis: e.basis,
        ...(e.citation ? { citation: e.citation } : {}),
        until,
        fields: [],
      };
      g.fields.push(e.field);
      groups.set(key, g);
    }
    return [...groups.values()].map(
      (g) =>
        `${t.systemId}: retained under ${g.basis}${g.citation ? ` (${g.citation})` : ''} until ${g.until} (${g.fields.join(', ')})`,
    );
  });
}

async function close(
  deps: WorkflowDeps,
  request: PrivacyRequest,
  status: RequestStatus,
  outcome: NonNullable<PrivacyRequest['outcome']>,
  at: string,
  /** Read before an erasure anonymizes the record: where the answer goes. */
  contact?: ContactPoint,
  /** What is kept, per system, under which basis until when: told in the answer. */
  retained: string[] = [],
) {
  const closing = terminalStatuses.includes(status);
  if (request.status !== status) {
    await deps.requests.transition(request.id, request.status, status, {
      outcome,
      updatedAt: at,
      // Corrected values serve the request only: gone once it is closed.
      ...(closing ? { completedAt: at, corrections: undefined, attention: undefined } : {}),
    });
  }
  // The trail and the requester's answer are independent: both go at once.
  await Promise.all([
    record(deps, request, 'request.finalized', { status, result: outcome.result, reasons: outcome.reasons.length }),
    closing && contact
      ? deps.outbox.send({
          requestId: request.id,
          to: contact,
          notice: {
            kind: 'completed',
            type: request.type,
            result: outcome.result,
            ...(retained.length ? { retained } : {}),
          },
        })
      : undefined,
  ]);
  return { requestId: request.id, status };
}
