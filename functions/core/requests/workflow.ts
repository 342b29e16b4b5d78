/**
 * The privacy-request workflow's steps, one function per state. Each is idempotent: Step Functions
 * may run a step twice (retries, a re-driven execution), and the result must be the same.
 */
import type { AuditLog } from '../audit/ports.ts';
import type { ConsentLedger } from '../consent/ports.ts';
import type { Connector } from '../connectors/connector.ts';
import { planErasure } from '../connectors/planning.ts';
import type { ConnectedSystem } from '../connectors/system.ts';
import { anonymized } from '../ecif/customer.ts';
import type { EcifRegistry, SystemsRegistry } from '../ecif/ports.ts';
import { resolveByKeys } from '../ecif/resolve-subject.ts';
import { contactOnFile, type ContactPoint, type Outbox } from '../notifications/outbox.ts';
import { workflowActor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import { NotFoundError, PermanentSystemError, TransientSystemError } from '../shared/errors.ts';
import type { RequestStore } from './ports.ts';
import { terminalStatuses, type PrivacyRequest, type RequestStatus, type SystemTask } from './request.ts';

export interface WorkflowDeps {
  requests: RequestStore;
  ecif: EcifRegistry;
  systems: SystemsRegistry;
  consent: ConsentLedger;
  audit: AuditLog;
  clock: Clock;
  outbox: Outbox;
  connectorFor(system: ConnectedSystem): Connector;
}

type Step = { requestId: string; type: PrivacyRequest['type'] };

async function loaded(deps: Pick<WorkflowDeps, 'requests'>, requestId: string): Promise<PrivacyRequest> {
  const request = await deps.requests.get(requestId);
  if (!request) throw new NotFoundError('no such request', { requestId });
  return request;
}

function record(deps: Pick<WorkflowDeps, 'audit'>, request: PrivacyRequest, action: string, details: Record<string, unknown>, systemId?: string) {
  return deps.audit.append({
    stream: `request:${request.id}`,
    actor: workflowActor,
    action,
    target: { requestId: request.id, ...(request.ecifId ? { ecifId: request.ecifId } : {}), ...(systemId ? { systemId } : {}) },
    details,
  });
}

export async function loadRequest(deps: WorkflowDeps, input: { requestId: string }): Promise<Step & { terminal: boolean }> {
  const request = await loaded(deps, input.requestId);
  const terminal = terminalStatuses.includes(request.status);
  if (request.status === 'pending_verification') {
    // Never run unverified: a start that raced ahead of verification only re-finalizes nothing.
    return { requestId: request.id, type: request.type, terminal: true };
  }
  if (request.status === 'received') {
    // Conditional: a requester's cancellation that won the race stops the run here.
    await deps.requests.move(request.id, 'received', { status: 'in_progress', updatedAt: deps.clock.now().toISOString() });
    await record(deps, request, 'request.started', { type: request.type });
  }
  return { requestId: request.id, type: request.type, terminal };
}

export async function resolveStep(deps: WorkflowDeps, input: Step): Promise<Step & { found: boolean }> {
  const request = await loaded(deps, input.requestId);
  const resolution = await resolveByKeys(deps.ecif, request.identityKeys);
  // A signed-in customer is its ecifId: the identifiers it typed may add nothing, but must not name someone else.
  const byLogin = request.ecifId && !resolution ? await deps.ecif.getCustomer(request.ecifId) : undefined;
  const found = resolution ? !request.ecifId || request.ecifId === resolution.ecifId : !!byLogin && byLogin.status !== 'erased';
  const ecifId = found ? (request.ecifId ?? resolution!.ecifId) : undefined;
  // Kept on the request: a signed-in customer has an ecifId even when its identifiers named someone else.
  await deps.requests.update(request.id, { subjectFound: found, ...(found && !request.ecifId ? { ecifId } : {}) });
  const crossReferences = found ? (resolution?.crossReferences ?? (await deps.ecif.crossReferences(ecifId!))) : [];
  await record(deps, { ...request, ...(ecifId ? { ecifId } : {}) }, 'request.subject_resolved', {
    found,
    by: !found ? 'none' : resolution ? 'identifiers' : 'login',
    crossReferences: crossReferences.map((x) => x.systemId),
  });
  return { requestId: request.id, type: request.type, found };
}

export async function planStep(deps: WorkflowDeps, input: Step & { found: boolean }) {
  const request = await loaded(deps, input.requestId);
  const xrefs = await deps.ecif.crossReferences(request.ecifId!);
  const tasks = request.type === 'erasure' ? planErasure(request.id, xrefs, await deps.systems.list(), deps.clock.now()) : [];
  for (const task of tasks) await deps.requests.putTaskIfAbsent(task);
  const stored = await deps.requests.tasks(request.id);
  await record(deps, request, 'request.planned', {
    systems: stored.map((t) => ({ systemId: t.systemId, action: t.action, state: t.state, exemptions: t.exemptions.map((e) => e.field) })),
  });
  return { ...input, systems: stored.filter((t) => t.state === 'pending' || t.state === 'running').map((t) => ({ systemId: t.systemId })) };
}

export async function executeSystemStep(deps: WorkflowDeps, input: { requestId: string; systemId: string }) {
  const request = await loaded(deps, input.requestId);
  const task = await deps.requests.getTask(request.id, input.systemId);
  if (!task) throw new NotFoundError('no such system task', { systemId: input.systemId });
  if (task.state !== 'pending' && task.state !== 'running') return { systemId: task.systemId, state: task.state };

  const system = await deps.systems.get(task.systemId);
  if (!system) throw new PermanentSystemError('the system is no longer registered');
  const connector = deps.connectorFor(system);
  const work = {
    requestId: request.id,
    system,
    action: task.action,
    localId: task.localId,
    fields: system.fields.filter((f) => task.fields.some((t) => t.name === f.name)),
    idempotencyKey: `${request.id}:${task.systemId}:${task.action}`,
  };
  const now = () => deps.clock.now().toISOString();
  await deps.requests.updateTask(request.id, task.systemId, { state: 'running', attempts: task.attempts + 1, updatedAt: now() });
  try {
    const outcome = await connector.execute(work);
    const verification = connector.verify ? await connector.verify(work) : { verified: false, remaining: [], method: 'not-supported' };
    if (connector.verify && !verification.verified) {
      throw new PermanentSystemError(`read-back found fields not erased: ${verification.remaining.join(', ')}`);
    }
    const proof = { ...outcome, verified: verification.verified, verification: verification.method, at: now() };
    await deps.requests.updateTask(request.id, task.systemId, { state: 'succeeded', proof, updatedAt: now() });
    await record(deps, request, 'request.system_succeeded', { action: task.action, ...proof }, task.systemId);
    return { systemId: task.systemId, state: 'succeeded' as const };
  } catch (err) {
    if (err instanceof TransientSystemError) {
      await deps.requests.updateTask(request.id, task.systemId, { lastError: { name: err.name, message: err.message }, updatedAt: now() });
      await record(deps, request, 'request.system_retrying', { error: err.name, attempt: task.attempts + 1 }, task.systemId);
    }
    throw err;
  }
}

export async function recordSystemFailureStep(
  deps: WorkflowDeps,
  input: { requestId: string; systemId: string; error?: { Error?: string; Cause?: string } },
) {
  const request = await loaded(deps, input.requestId);
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

function causeMessage(cause: string | undefined): string {
  if (!cause) return '';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: string };
    return parsed.errorMessage ?? cause;
  } catch {
    return cause;
  }
}

export async function finalizeStep(deps: WorkflowDeps, input: { requestId: string }): Promise<{ requestId: string; status: RequestStatus }> {
  const request = await loaded(deps, input.requestId);
  if (terminalStatuses.includes(request.status) || request.status === 'pending_verification') return { requestId: request.id, status: request.status };
  const at = deps.clock.now().toISOString();
  if (!request.ecifId || request.subjectFound === false) {
    return close(deps, request, 'completed', { result: 'no_data_held', reasons: ['no customer matched the identifiers given'] }, at);
  }
  const tasks = await deps.requests.tasks(request.id);
  const failed = tasks.filter((t) => t.state === 'failed' || t.state === 'pending' || t.state === 'running');
  if (failed.length > 0) {
    // The golden record stays until every system is done: its cross-references drive the retry.
    return close(deps, request, 'needs_attention', { result: 'failed_systems', reasons: failed.map((t) => `${t.systemId}: ${t.lastError?.name ?? t.state}`) }, at);
  }
  if (request.type === 'erasure') await eraseInEcif(deps, request.ecifId, at);
  const reasons = exemptionReasons(tasks);
  const skipped = tasks.filter((t) => t.state === 'skipped').map((t) => `${t.systemId}: ${t.lastError?.name ?? 'skipped'}`);
  const partial = skipped.length > 0;
  return close(
    deps,
    request,
    partial ? 'partially_completed' : 'completed',
    { result: partial ? 'partially_erased' : 'erased', reasons: [...reasons, ...skipped] },
    at,
  );
}

async function eraseInEcif(deps: WorkflowDeps, ecifId: string, at: string) {
  const record = await deps.ecif.getCustomer(ecifId);
  if (record && record.status !== 'erased') await deps.ecif.eraseCustomer(anonymized(record, at), record.identities);
  await deps.consent.setFlags(ecifId, { erased: true }, at);
}

function exemptionReasons(tasks: SystemTask[]): string[] {
  return tasks.flatMap((t) => t.exemptions.map((e) => `${t.systemId}.${e.field} retained: ${e.basis} until ${e.until.slice(0, 10)}`));
}

async function close(
  deps: WorkflowDeps,
  request: PrivacyRequest,
  status: RequestStatus,
  outcome: NonNullable<PrivacyRequest['outcome']>,
  at: string,
  /** Read before an erasure anonymizes the record: where the answer goes. */
  contact?: ContactPoint,
) {
  const closing = terminalStatuses.includes(status);
  if (request.status !== status) {
    await deps.requests.move(request.id, request.status, {
      status,
      outcome,
      updatedAt: at,
      // Corrected values serve the request only: gone once it is closed.
      ...(closing ? { completedAt: at, corrections: undefined, attention: undefined } : {}),
    });
  }
  await record(deps, request, 'request.finalized', { status, result: outcome.result, reasons: outcome.reasons.length });
  if (closing && contact) await deps.outbox.send({ requestId: request.id, to: contact, notice: { kind: 'completed', type: request.type, result: outcome.result } });
  return { requestId: request.id, status };
}
