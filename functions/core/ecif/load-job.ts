/**
 * The bulk load job: created (with an upload link, or for an object already in the import prefix),
 * started (a Step Functions execution named after it), staged (the file read once, line numbers kept,
 * gzip undone), loaded batch by batch by the Map, finished with a reject file. Each batch records its
 * outcome once; its counts are the job's progress.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
import { emptyCounts, loadBatch, type BulkLoadDeps, type LoadLine } from './bulk-load.ts';
import { formatOf } from './load-file.ts';
import type { LoadFiles, LoadJob, LoadJobs, LoadWorkflow } from './load-ports.ts';

export const IMPORT_PREFIX = 'imports/';
const LINK_SECONDS = 900;

export const createLoadSchema = z.strictObject({
  /** The file's name (its extension says the format: .ndjson, .jsonl, .csv, optionally .gz). */
  fileName: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,100}$/, 'a file name is letters, digits, ".", "_" or "-"')
    .optional(),
  /** Or an object already in the bucket's import prefix. */
  key: z
    .string()
    .regex(/^imports\/[A-Za-z0-9._/-]{1,200}$/, 'a key is in the import prefix (imports/...)')
    .refine((k) => !k.includes('..'), 'a key has no ".."')
    .optional(),
});
export type CreateLoadInput = z.infer<typeof createLoadSchema>;

export interface LoadJobDeps {
  loads: LoadJobs;
  loadFiles: LoadFiles;
  loadWorkflow: LoadWorkflow;
  audit: AuditLog;
  clock: Clock;
}

export const stagedKey = (id: string) => `${IMPORT_PREFIX}jobs/${id}/staged.jsonl`;
export const rejectsKey = (id: string) => `${IMPORT_PREFIX}jobs/${id}/rejects.ndjson`;

export async function createLoad(deps: LoadJobDeps, input: CreateLoadInput, actor: Actor) {
  if (!input.fileName === !input.key) throw new InvalidInputError('give either fileName (to upload) or key');
  const at = deps.clock.now();
  const id = newId(at);
  const name = input.fileName ?? input.key!.split('/').pop()!;
  const source = input.key ?? `${IMPORT_PREFIX}uploads/${id}/${input.fileName}`;
  if (input.key && !(await deps.loadFiles.exists(input.key))) throw new NotFoundError('no object at this key');
  const job: LoadJob = {
    id,
    status: 'awaiting_upload',
    source,
    format: formatOf(name.replace(/\.gz$/i, '')),
    gzip: /\.gz$/i.test(name),
    counts: emptyCounts(),
    batches: 0,
    createdBy: actor.principal,
    createdAt: at.toISOString(),
  };
  await deps.loads.create(job);
  await deps.audit.append({
    stream: `ecif-load:${id}`,
    actor,
    action: 'ecif.load.created',
    target: {},
    details: { format: job.format, gzip: job.gzip },
  });
  const uploadUrl = input.fileName ? await deps.loadFiles.uploadUrl(source, LINK_SECONDS) : undefined;
  return { ...view(job), ...(uploadUrl ? { uploadUrl } : {}) };
}

export async function startLoad(deps: LoadJobDeps, id: string, actor: Actor) {
  const job = await deps.loads.get(id);
  if (!job) throw new NotFoundError('no load job with this id');
  if (job.status === 'awaiting_upload') {
    if (!(await deps.loadFiles.exists(job.source)))
      throw new ConflictError('the file is not uploaded yet', { jobId: id });
    await deps.loads.update(id, { status: 'staging', startedAt: deps.clock.now().toISOString() });
    await deps.audit.append({
      stream: `ecif-load:${id}`,
      actor,
      action: 'ecif.load.started',
      target: {},
      details: {},
    });
  }
  // Started again (a lost answer, a re-run): the execution is named after the job, a second start is a no-op.
  await deps.loadWorkflow.start(id);
  return view((await deps.loads.get(id))!);
}

export async function loadProgress(deps: LoadJobDeps, id: string) {
  const job = await deps.loads.get(id);
  if (!job) throw new NotFoundError('no load job with this id');
  const rejectsUrl =
    job.status === 'finished' && job.rejectsKey
      ? await deps.loadFiles.downloadUrl(job.rejectsKey, LINK_SECONDS)
      : undefined;
  return { ...view(job), ...(rejectsUrl ? { rejectsUrl } : {}) };
}

/** What a caller sees of a job: no keys of the bucket, no principal. */
function view(job: LoadJob) {
  return {
    id: job.id,
    status: job.status,
    format: job.format,
    gzip: job.gzip,
    ...job.counts,
    ...(job.lines !== undefined ? { lines: job.lines } : {}),
    batches: job.batches,
    createdAt: job.createdAt,
    ...(job.startedAt ? { startedAt: job.startedAt } : {}),
    ...(job.finishedAt ? { finishedAt: job.finishedAt } : {}),
    ...(job.failure ? { failure: job.failure } : {}),
  };
}
export type LoadJobView = ReturnType<typeof view> & { uploadUrl?: string; rejectsUrl?: string };

const jobActor: Actor = { role: 'system', principal: 'ecif-load' };

/** Step one: the file staged as JSONL with line numbers; the Map reads it from the bucket. */
export async function prepareLoad(deps: LoadJobDeps, id: string) {
  const job = await deps.loads.get(id);
  if (!job) throw new NotFoundError('no load job with this id');
  const staged = stagedKey(id);
  const { lines, bucket } = await deps.loadFiles.stage(job.source, staged, job.format, job.gzip);
  await deps.loads.update(id, { status: 'loading', lines });
  return { jobId: id, bucket, staged };
}

/** Each batch of the Map: loaded, its outcome recorded once, audited by ids (never values). */
export async function runLoadBatch(deps: LoadJobDeps & BulkLoadDeps, id: string, lines: LoadLine[]) {
  if (lines.length === 0) return { lines: 0 };
  const batch = String(lines[0].line).padStart(10, '0');
  const outcome = await loadBatch(deps, lines);
  const first = await deps.loads.recordBatch(id, batch, outcome);
  if (first && outcome.written.length > 0) {
    await deps.audit.append({
      stream: `ecif-load:${id}`,
      actor: jobActor,
      action: 'ecif.load.batch',
      target: {},
      details: {
        fromLine: lines[0].line,
        created: outcome.created,
        updated: outcome.updated,
        rejected: outcome.rejected,
        ecifIds: outcome.written,
      },
    });
  }
  return { lines: lines.length };
}

/** Last step: the reject file written, the job finished (or failed, with what the execution said). */
export async function finishLoad(deps: LoadJobDeps, id: string, failure?: string) {
  const job = await deps.loads.get(id);
  if (!job) throw new NotFoundError('no load job with this id');
  const key = rejectsKey(id);
  const written = failure ? 0 : await deps.loadFiles.putRejects(key, deps.loads.rejects(id));
  await deps.loads.update(id, {
    status: failure ? 'failed' : 'finished',
    finishedAt: deps.clock.now().toISOString(),
    ...(written > 0 ? { rejectsKey: key } : {}),
    ...(failure ? { failure } : {}),
  });
  const done = (await deps.loads.get(id))!;
  await deps.audit.append({
    stream: `ecif-load:${id}`,
    actor: jobActor,
    action: failure ? 'ecif.load.failed' : 'ecif.load.finished',
    target: {},
    details: { ...done.counts, ...(failure ? { failure } : {}) },
  });
  return { jobId: id, status: done.status };
}
