/**
 * Verification as a job: a range of days checked one day at a time (verify-day.ts), each day's
 * result stored as it ends, then one result over the range, signed with the audit key. The days
 * are independent (each anchored on the day before it), so in AWS a Distributed Map checks them
 * side by side; memory is one day's, whatever the range.
 */
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import type { AuditSignature } from './digest.ts';
import type { AuditLog, AuditRange, AuditSigner, VerificationJobs, VerificationRunner } from './ports.ts';
import { resultHash } from './signed-result.ts';
import { verifyDay, type DayBreak } from './verify-day.ts';

export interface VerificationJob {
  id: string;
  from: string;
  to: string;
  /** The UTC days the range touches, in order. */
  days: string[];
  requestedAt: string;
  /** Who asked (role and opaque principal). */
  requestedBy: Actor;
}

export interface VerificationResult {
  status: 'succeeded' | 'failed';
  ok: boolean;
  /** Events checked, over every day. */
  events: number;
  /** Streams checked, counted once per day each was written. */
  streams: number;
  /** Days whose digest was checked. */
  digests: number;
  /** Days of the range without a digest yet (today, or a day whose digest job has not run). */
  undigested: string[];
  firstBreak?: DayBreak & { day: string };
  /** Why the job itself could not finish (an error name), when status is failed. */
  error?: string;
  finishedAt: string;
  /** The result's hash (SHA-256 of its RFC 8785 JSON without hash and signature), signed. */
  hash?: string;
  signature?: AuditSignature;
}

export interface VerificationDeps {
  audit: AuditLog;
  clock: Clock;
  verificationJobs: VerificationJobs;
  verificationRunner: VerificationRunner;
  auditSigner?: AuditSigner;
}

const DAY = 86_400_000;

/** The UTC days a range touches: from's day up to the day of the last instant before `to`. */
export function daysOf(range: AuditRange): string[] {
  const days: string[] = [];
  const last = Date.parse(range.to) - 1;
  for (let t = Date.parse(`${range.from.slice(0, 10)}T00:00:00.000Z`); t <= last; t += DAY)
    days.push(new Date(t).toISOString().slice(0, 10));
  return days;
}

export async function startVerification(
  deps: VerificationDeps,
  range: AuditRange,
  actor: Actor,
): Promise<VerificationJob> {
  const now = deps.clock.now();
  const job: VerificationJob = {
    id: newId(now),
    from: range.from,
    to: range.to,
    days: daysOf(range),
    requestedAt: now.toISOString(),
    requestedBy: actor,
  };
  await deps.verificationJobs.create(job);
  await deps.verificationRunner.start(job);
  await deps.audit.append({
    stream: 'audit-verifications',
    actor,
    action: 'audit.verification_started',
    target: {},
    details: { job: job.id, from: job.from, to: job.to, days: job.days.length },
  });
  return job;
}

/** One day of a job (a task of the state machine): checked and stored; a second run of the same day stores nothing new. */
export async function verifyJobDay(deps: VerificationDeps, input: { jobId: string; day: string }) {
  const result = await verifyDay(deps.audit, input.day);
  await deps.verificationJobs.putDay(input.jobId, result);
  return { day: input.day, ok: result.ok };
}

/** The job's result over its days, signed; `error` set: the job could not finish (a step failed for good). */
export async function finishVerification(deps: VerificationDeps, input: { jobId: string; error?: string }) {
  const job = await deps.verificationJobs.get(input.jobId);
  if (!job) throw new NotFoundError('no such verification');
  const existing = await deps.verificationJobs.result(job.id);
  if (existing) return { status: existing.status };
  const days = await deps.verificationJobs.days(job.id);
  const byDay = new Map(days.map((d) => [d.day, d]));
  let events = 0;
  let streams = 0;
  let digests = 0;
  const undigested: string[] = [];
  let firstBreak: VerificationResult['firstBreak'];
  let missing: string | undefined;
  for (const day of job.days) {
    const d = byDay.get(day);
    if (!d) {
      missing ??= day;
      continue;
    }
    events += d.events;
    streams += d.streams;
    if (d.digest) digests++;
    // Today's digest does not exist yet; an ended day without one is reported, not a break.
    else undigested.push(day);
    if (!firstBreak && d.firstBreak) firstBreak = { day, ...d.firstBreak };
  }
  const error = input.error ?? (missing ? 'DayNotVerified' : undefined);
  const body: Omit<VerificationResult, 'hash' | 'signature'> = {
    status: error ? 'failed' : 'succeeded',
    ok: !error && !firstBreak,
    events,
    streams,
    digests,
    undigested,
    ...(firstBreak ? { firstBreak } : {}),
    ...(error ? { error } : {}),
    finishedAt: deps.clock.now().toISOString(),
  };
  const result = await signed(deps, job, body);
  await deps.verificationJobs.putResult(job.id, result);
  await deps.audit.append({
    stream: 'audit-verifications',
    actor: { role: 'system', principal: 'audit-verification-job' },
    action: 'audit.verification_finished',
    target: {},
    details: {
      job: job.id,
      status: result.status,
      ok: result.ok,
      events,
      ...(result.hash ? { hash: result.hash } : {}),
    },
  });
  return { status: result.status };
}

async function signed(
  deps: VerificationDeps,
  job: VerificationJob,
  body: Omit<VerificationResult, 'hash' | 'signature'>,
): Promise<VerificationResult> {
  if (!deps.auditSigner) return body;
  const hash = resultHash(job, body);
  return { ...body, hash, signature: await deps.auditSigner.sign(hash) };
}

/** What GET /v1/audit/verifications/{id} shows: the job, its progress, its result once there. */
export async function verificationStatus(deps: Pick<VerificationDeps, 'verificationJobs'>, id: string) {
  const job = await deps.verificationJobs.get(id);
  if (!job) throw new NotFoundError('no such verification');
  const result = await deps.verificationJobs.result(id);
  const done = result ? job.days.length : (await deps.verificationJobs.days(id)).length;
  return {
    id: job.id,
    from: job.from,
    to: job.to,
    requestedAt: job.requestedAt,
    status: result?.status ?? 'running',
    progress: { days: job.days.length, verified: Math.min(done, job.days.length) },
    ...(result ? { result } : {}),
  };
}
