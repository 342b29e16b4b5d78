/**
 * Exports as a job, outside the API's 30 seconds: the range cut into its UTC days, each day's
 * events (filtered) written as one NDJSON.gz part by its own step, then one manifest over the parts
 * (each part's SHA-256 and line count), the digests covering the range, hashed and signed like a
 * digest. Memory is one page of events whatever the range; time is one day per step.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { NotFoundError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import { canonicalJson } from './canonical.ts';
import type { AuditSignature } from './digest.ts';
import { exportLine } from './export-line.ts';
import type { AuditFilter, AuditLog, AuditRange, AuditSigner, ExportFiles, ExportJobs, ExportRunner } from './ports.ts';
import { daysOf } from './verification-job.ts';

export interface ExportJob {
  id: string;
  from: string;
  to: string;
  filter: AuditFilter;
  days: string[];
  requestedAt: string;
  requestedBy: Actor;
}

export interface ExportPart {
  day: string;
  /** The object's key; its basename is the file's name in the manifest's folder. */
  key: string;
  /** SHA-256 (hex) of the part's bytes as stored (gzip), what `sha256sum` prints. */
  sha256: string;
  lines: number;
}

export interface ExportManifest {
  export: string;
  from: string;
  to: string;
  filter: AuditFilter;
  createdAt: string;
  parts: ExportPart[];
  /** The daily digests of the range's days (day and hash), to check against the archived ones. */
  digests: { day: string; hash: string }[];
  hash: string;
  signature?: AuditSignature;
}

export interface ExportResult {
  status: 'succeeded' | 'failed';
  events: number;
  parts: number;
  manifestKey?: string;
  hash?: string;
  error?: string;
  finishedAt: string;
}

export interface ExportDeps {
  audit: AuditLog;
  clock: Clock;
  exportJobs: ExportJobs;
  exportRunner: ExportRunner;
  exportFiles: ExportFiles;
  auditSigner?: AuditSigner;
}

const PAGE = 1000;
const LINK_SECONDS = 900;
const DAY = 86_400_000;
/**
 * Parts under one partition per export (`export_id=<id>`: the Athena table's projected partition,
 * docs/audit.md), manifests apart so the table reads events only.
 */
export const EXPORT_EVENTS_PREFIX = 'audit-exports/events/';
const partKey = (id: string, day: string) => `${EXPORT_EVENTS_PREFIX}export_id=${id}/part-${day}.ndjson.gz`;
const manifestKey = (id: string) => `audit-exports/manifests/${id}.json`;

/** SHA-256 of a manifest's RFC 8785 JSON without its hash and signature: what the signature is over. */
export function manifestHash(m: Omit<ExportManifest, 'hash' | 'signature'> & Partial<ExportManifest>): string {
  const { hash: _h, signature: _s, ...body } = m;
  return createHash('sha256').update(canonicalJson(body)!).digest('hex');
}

export async function startExport(
  deps: ExportDeps,
  range: AuditRange,
  filter: AuditFilter,
  actor: Actor,
): Promise<ExportJob> {
  const now = deps.clock.now();
  const job: ExportJob = {
    id: newId(now),
    from: range.from,
    to: range.to,
    filter,
    days: daysOf(range),
    requestedAt: now.toISOString(),
    requestedBy: actor,
  };
  await deps.exportJobs.create(job);
  await deps.exportRunner.start(job);
  // The filter's names only: an ecifId or actor is a person's identifier, never in audit details.
  await deps.audit.append({
    stream: 'audit-exports',
    actor,
    action: 'audit.export_started',
    target: {},
    details: { job: job.id, from: job.from, to: job.to, days: job.days.length, filter: Object.keys(filter).sort() },
  });
  return job;
}

/** The part of one day (a step of the job): the day's events within the range, filtered, page by page. */
export async function exportJobDay(deps: ExportDeps, input: { jobId: string; day: string }) {
  const job = await deps.exportJobs.get(input.jobId);
  if (!job) throw new NotFoundError('no such export');
  const start = Date.parse(`${input.day}T00:00:00.000Z`);
  const range = {
    from: new Date(Math.max(start, Date.parse(job.from))).toISOString(),
    to: new Date(Math.min(start + DAY, Date.parse(job.to))).toISOString(),
  };
  async function* lines() {
    let cursor: string | undefined;
    do {
      const page = await deps.audit.events(range, job!.filter, { cursor, limit: PAGE });
      for (const e of page.items) yield `${exportLine(e)}\n`;
      cursor = page.next;
    } while (cursor);
  }
  const key = partKey(job.id, input.day);
  const written = await deps.exportFiles.putPart(key, lines());
  await deps.exportJobs.putPart(job.id, { day: input.day, key, ...written });
  return { day: input.day, lines: written.lines };
}

/** The manifest over the parts, signed; `error` set: a day's step failed for good (no manifest). */
export async function finishExport(deps: ExportDeps, input: { jobId: string; error?: string }) {
  const job = await deps.exportJobs.get(input.jobId);
  if (!job) throw new NotFoundError('no such export');
  const existing = await deps.exportJobs.result(job.id);
  if (existing) return { status: existing.status };
  const byDay = new Map((await deps.exportJobs.parts(job.id)).map((p) => [p.day, p]));
  const parts = job.days.flatMap((d) => byDay.get(d) ?? []);
  const events = parts.reduce((n, p) => n + p.lines, 0);
  const error = input.error ?? (parts.length < job.days.length ? 'DayNotExported' : undefined);
  let result: ExportResult;
  if (error) result = { status: 'failed', events, parts: parts.length, error, finishedAt: now(deps) };
  else {
    const digests = (await deps.audit.digests(job.days[0]!, job.days.at(-1)!)).map((d) => ({
      day: d.day,
      hash: d.hash,
    }));
    const body = {
      export: job.id,
      from: job.from,
      to: job.to,
      filter: job.filter,
      createdAt: now(deps),
      parts,
      digests,
    };
    const hash = manifestHash(body);
    const manifest: ExportManifest = {
      ...body,
      hash,
      ...(deps.auditSigner ? { signature: await deps.auditSigner.sign(hash) } : {}),
    };
    await deps.exportFiles.putManifest(manifestKey(job.id), `${JSON.stringify(manifest, null, 2)}\n`);
    result = {
      status: 'succeeded',
      events,
      parts: parts.length,
      manifestKey: manifestKey(job.id),
      hash,
      finishedAt: now(deps),
    };
  }
  await deps.exportJobs.putResult(job.id, result);
  await deps.audit.append({
    stream: 'audit-exports',
    actor: { role: 'system', principal: 'audit-export-job' },
    action: 'audit.export_finished',
    target: {},
    details: { job: job.id, status: result.status, events, ...(result.hash ? { hash: result.hash } : {}) },
  });
  return { status: result.status };
}

const now = (deps: Pick<ExportDeps, 'clock'>) => deps.clock.now().toISOString();

/** What GET /v1/audit/verifications/{id} shows for an export job: progress, then presigned links to the manifest and parts. */
export async function exportStatus(deps: Pick<ExportDeps, 'exportJobs' | 'exportFiles'>, id: string) {
  const job = await deps.exportJobs.get(id);
  if (!job) throw new NotFoundError('no such export');
  const result = await deps.exportJobs.result(id);
  const parts = await deps.exportJobs.parts(id);
  const base = {
    id: job.id,
    from: job.from,
    to: job.to,
    requestedAt: job.requestedAt,
    status: result?.status ?? 'running',
    progress: { days: job.days.length, written: Math.min(parts.length, job.days.length) },
  };
  if (!result) return base;
  if (result.status !== 'succeeded' || !result.manifestKey) return { ...base, result };
  const link = (key: string) => deps.exportFiles.downloadUrl(key, LINK_SECONDS);
  const ordered = [...parts].sort((a, b) => a.day.localeCompare(b.day));
  return {
    ...base,
    result,
    manifest: await link(result.manifestKey),
    parts: await Promise.all(
      ordered.map(async (p) => ({ day: p.day, lines: p.lines, sha256: p.sha256, url: await link(p.key) })),
    ),
    expiresInSeconds: LINK_SECONDS,
  };
}
