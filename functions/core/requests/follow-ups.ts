/**
 * Follow-up erasures. A field kept under a retention rule (AML: 5 years) is kept until a date, not
 * forever: when an erasure finishes with retained fields, one follow-up per system and until-date is
 * stored, and a scheduled job starts, at that date, an erasure run of exactly those fields with the
 * strategy each takes once the retention ends. An erasure answered under a legal hold stores a held
 * follow-up that falls due when the hold is released (the whole erasure then runs). Each follow-up is
 * self-contained (the request it follows may have expired by then) and runs once: the run's id is
 * claimed on the follow-up before the run is created, so a job run twice starts one erasure.
 */
import type { AuditLog } from '../audit/ports.ts';
import type { IdentityKey } from '../ecif/identifiers.ts';
import { holdBasis, holdOnSubject, LEGAL_CLAIMS_CITATION, type LegalHolds } from '../ecif/legal-hold.ts';
import type { EcifRegistry } from '../ecif/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { newId } from '#core/shared/ids.ts';
import type { Holidays } from './deadlines.ts';
import { receivedRequest, recordReceived } from './received.ts';
import { startRun } from './run-failures.ts';
import type { RequestStore, RequestWorkflow } from './ports.ts';
import type { Jurisdiction, PrivacyRequest, SystemTask } from './request.ts';

export type FollowUpReason = 'retention_ended' | 'hold_released';
export type FollowUpState = 'held' | 'scheduled' | 'started' | 'done';

export interface FollowUp {
  /** The request it follows up. */
  requestId: string;
  /** `retention:<systemId>:<until>` or `hold:<reference>`: unique within the request. */
  key: string;
  reason: FollowUpReason;
  state: FollowUpState;
  ecifId: string;
  jurisdiction: Jurisdiction;
  /** When it falls due (set when scheduled; a held one has none until its hold is released). */
  dueAt?: string;
  basis: string;
  citation?: string;
  /** retention_ended: the system, the subject's id in it, and the fields with their after-retention strategies. */
  systemId?: string;
  localId?: string;
  fields?: { name: string; strategy: string }[];
  /** hold_released: the hold's reference, and the original request's identity keys (hashes) to resolve by. */
  hold?: string;
  identityKeys?: IdentityKey[];
  /** The erasure run it started (claimed before the run is created). */
  runRequestId?: string;
  createdAt: string;
  updatedAt: string;
}

/** What a follow-up run carries on its own request. */
export interface FollowUpOf {
  of: string;
  key: string;
  reason: FollowUpReason;
  systemId?: string;
  localId?: string;
  fields?: { name: string; strategy: string }[];
}

export interface FollowUpStore {
  /** Stores it unless one with its key exists; true when stored now. */
  putIfAbsent(followUp: FollowUp): Promise<boolean>;
  get(requestId: string, key: string): Promise<FollowUp | undefined>;
  /** Scheduled follow-ups due at or before `at`, earliest first (a Query on the due index, never a Scan). */
  due(at: string, limit?: number): Promise<FollowUp[]>;
  /** Held follow-ups of a subject (a Query on the hold index). */
  held(ecifId: string): Promise<FollowUp[]>;
  /** Sets `runRequestId` unless one is set; returns the one stored. */
  claimRun(requestId: string, key: string, runRequestId: string): Promise<string>;
  /** Moves it from state `from` (false when it was no longer there: someone else moved it). */
  move(
    requestId: string,
    key: string,
    from: FollowUpState,
    patch: { state: FollowUpState; dueAt?: string; updatedAt: string },
  ): Promise<boolean>;
}

export const followUpActor: Actor = { role: 'system', principal: 'erasure-follow-ups' };

/** The retention follow-ups an erasure's tasks call for: one per system and until-date. */
export function retentionFollowUps(request: PrivacyRequest, tasks: SystemTask[], at: string): FollowUp[] {
  return tasks.flatMap((t) => {
    if (t.action !== 'erase' || t.state !== 'succeeded') return [];
    const byUntil = new Map<string, SystemTask['exemptions']>();
    for (const e of t.exemptions) if (e.until && !e.hold) byUntil.set(e.until, [...(byUntil.get(e.until) ?? []), e]);
    return [...byUntil].map(([until, kept]): FollowUp => {
      const citations = [...new Set(kept.flatMap((e) => (e.citation ? [e.citation] : [])))];
      return {
        requestId: request.id,
        key: `retention:${t.systemId}:${until}`,
        reason: 'retention_ended',
        state: 'scheduled',
        ecifId: request.ecifId!,
        jurisdiction: request.jurisdiction,
        dueAt: until,
        basis: [...new Set(kept.map((e) => e.basis))].join('; '),
        ...(citations.length ? { citation: citations.join('; ') } : {}),
        systemId: t.systemId,
        localId: t.localId,
        fields: kept.map((e) => ({ name: e.field, strategy: e.afterRetention ?? 'null' })),
        createdAt: at,
        updatedAt: at,
      };
    });
  });
}

/** The follow-up of an erasure answered under a legal hold: due once the hold is released. */
export function holdFollowUp(request: PrivacyRequest, hold: { reference: string }, at: string): FollowUp {
  // The key names the hold: the same request held again under another matter is another follow-up.
  return {
    requestId: request.id,
    key: `hold:${hold.reference}`,
    reason: 'hold_released',
    state: 'held',
    ecifId: request.ecifId!,
    jurisdiction: request.jurisdiction,
    basis: holdBasis(hold),
    citation: LEGAL_CLAIMS_CITATION,
    hold: hold.reference,
    identityKeys: request.identityKeys,
    createdAt: at,
    updatedAt: at,
  };
}

type FollowUpDeps = { followUps: FollowUpStore; audit: AuditLog };

/** Stores the follow-ups (a finalize run twice stores and audits them once). */
export async function recordFollowUps(deps: FollowUpDeps, followUps: FollowUp[]): Promise<void> {
  for (const f of followUps) {
    if (!(await deps.followUps.putIfAbsent(f))) continue;
    await audit(deps, f, 'request.follow_up_scheduled', {
      key: f.key,
      reason: f.reason,
      state: f.state,
      ...(f.dueAt ? { dueAt: f.dueAt } : {}),
      ...(f.systemId ? { systemId: f.systemId, fields: f.fields!.map((x) => x.name) } : {}),
      ...(f.hold ? { hold: f.hold } : {}),
    });
  }
}

export interface StartDeps extends FollowUpDeps {
  holds: Pick<LegalHolds, 'get'>;
  ecif: Pick<EcifRegistry, 'getCustomer'>;
  requests: RequestStore;
  workflow: RequestWorkflow;
  clock: Clock;
  holidays: Holidays;
}

/**
 * The scheduled job: starts every follow-up that is due. Returns the runs started now. One that fails to
 * start does not keep the others back; the job then fails, so the schedule's retries run it again.
 */
export async function startDueFollowUps(deps: StartDeps, limit = 100): Promise<{ due: number; started: string[] }> {
  const due = await deps.followUps.due(deps.clock.now().toISOString(), limit);
  const started: string[] = [];
  const failed: string[] = [];
  for (const f of due) {
    try {
      const run = await startOneDue(deps, f);
      if (run) started.push(run);
    } catch (err) {
      failed.push((err as Error).name);
    }
  }
  if (failed.length)
    throw new FollowUpsFailedError(
      `${failed.length} of ${due.length} due follow-ups did not start (${[...new Set(failed)].join(', ')})`,
    );
  return { due: due.length, started };
}

/** Ids and error names only: the message is safe to log. */
export class FollowUpsFailedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FollowUpsFailedError';
  }
}

async function startOneDue(deps: StartDeps, f: FollowUp): Promise<string | undefined> {
  const hold = await holdOnSubject(deps, f.ecifId);
  if (!hold) return startFollowUp(deps, f);
  // Fell due during a legal hold: it waits for the release (GDPR Art. 17(3)(e)).
  const moved = await deps.followUps.move(f.requestId, f.key, 'scheduled', {
    state: 'held',
    updatedAt: deps.clock.now().toISOString(),
  });
  if (moved) await audit(deps, f, 'request.follow_up_held', { key: f.key, reason: f.reason, hold: hold.reference });
  return undefined;
}

/**
 * Starts the follow-up's erasure run, idempotently: the run id is claimed first, the request is
 * created unless it exists, the workflow is started (a second start is a no-op), then the follow-up
 * leaves the due index; only the caller that moves it audits. Returns the run id when this call moved it.
 */
export async function startFollowUp(deps: StartDeps, f: FollowUp): Promise<string | undefined> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const runId = await deps.followUps.claimRun(f.requestId, f.key, newId(now));
  if (!(await deps.requests.get(runId))) {
    const run = followUpRequest(f, runId, now, deps.holidays);
    let created = true;
    try {
      await deps.requests.create(run);
    } catch (err) {
      // Created meanwhile by a concurrent run of the job: the same request.
      if (!(await deps.requests.get(runId))) throw err;
      created = false;
    }
    if (created) await recordReceived(deps, run, followUpActor, { followUpOf: f.requestId, reason: f.reason });
  }
  // A start that failed leaves the run needing attention (an operator retries it): the follow-up is started all the same.
  await startRun(deps, runId);
  if (!(await deps.followUps.move(f.requestId, f.key, 'scheduled', { state: 'started', updatedAt: at })))
    return undefined;
  await audit(deps, f, 'request.follow_up_started', { key: f.key, reason: f.reason, runRequestId: runId });
  return runId;
}

/** The erasure run of a follow-up: verified by the request it follows, planned from the follow-up. */
export function followUpRequest(f: FollowUp, id: string, now: Date, holidays: Holidays): PrivacyRequest {
  return receivedRequest(
    {
      id,
      type: 'erasure',
      jurisdiction: f.jurisdiction,
      channel: 'api',
      status: 'received',
      identityKeys: f.identityKeys ?? [],
      ecifId: f.ecifId,
      verification: { state: 'verified', method: 'follow_up', verifiedAt: now.toISOString() },
      followUp: {
        of: f.requestId,
        key: f.key,
        reason: f.reason,
        ...(f.systemId ? { systemId: f.systemId, localId: f.localId!, fields: f.fields! } : {}),
      },
    },
    now,
    holidays,
  );
}

/** A follow-up run finished: its follow-up is done (audited once, on the stream of the request it follows). */
export async function completeFollowUp(
  deps: FollowUpDeps & { clock: Clock },
  run: PrivacyRequest,
  status: string,
): Promise<void> {
  const of = run.followUp!;
  const f = await deps.followUps.get(of.of, of.key);
  if (
    !f ||
    !(await deps.followUps.move(of.of, of.key, 'started', { state: 'done', updatedAt: deps.clock.now().toISOString() }))
  )
    return;
  await audit(deps, f, 'request.follow_up_completed', { key: f.key, reason: f.reason, runRequestId: run.id, status });
}

/**
 * A hold being released: its subject's held follow-ups fall due now. Done before the hold is removed:
 * should the release stop midway, the job starts them once the hold is gone (and a repeated release
 * finds them again while it is not).
 */
export async function dueOnRelease(deps: Pick<StartDeps, 'followUps' | 'clock'>, ecifId: string): Promise<FollowUp[]> {
  const at = deps.clock.now().toISOString();
  const held = await deps.followUps.held(ecifId);
  for (const f of held)
    await deps.followUps.move(f.requestId, f.key, 'held', { state: 'scheduled', dueAt: at, updatedAt: at });
  return held.map((f) => ({ ...f, state: 'scheduled', dueAt: at }));
}

/** Starts these follow-ups now (the ones a release made due); returns the runs started. */
export async function startFollowUps(deps: StartDeps, followUps: FollowUp[]): Promise<string[]> {
  const runs: string[] = [];
  for (const f of followUps) {
    const run = await startFollowUp(deps, f);
    if (run) runs.push(run);
  }
  return runs;
}

function audit(deps: FollowUpDeps, f: FollowUp, action: string, details: Record<string, unknown>) {
  return deps.audit.append({
    stream: `request:${f.requestId}`,
    actor: followUpActor,
    action,
    target: { requestId: f.requestId, ecifId: f.ecifId, ...(f.systemId ? { systemId: f.systemId } : {}) },
    details,
  });
}
