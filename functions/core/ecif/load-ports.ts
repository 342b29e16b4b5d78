/** The ports of a bulk ECIF load: where its job is kept, where its files are, how it is started. */
import type { BatchOutcome, LoadCounts, LoadReject } from './bulk-load.ts';
import type { LoadFormat } from './load-file.ts';

export type LoadStatus = 'awaiting_upload' | 'staging' | 'loading' | 'finished' | 'failed';

export interface LoadJob {
  id: string;
  status: LoadStatus;
  /** The object in the bucket's import prefix (`imports/...`). */
  source: string;
  format: LoadFormat;
  gzip: boolean;
  counts: LoadCounts;
  /** Lines the staging step found (the total the counts go to). */
  lines?: number;
  batches: number;
  createdBy: string;
  createdAt: string;
  startedAt?: string;
  finishedAt?: string;
  /** The reject file, when the job finished with rejects. */
  rejectsKey?: string;
  failure?: string;
}

export interface LoadJobs {
  create(job: LoadJob): Promise<void>;
  get(id: string): Promise<LoadJob | undefined>;
  update(id: string, patch: Partial<Omit<LoadJob, 'id' | 'counts'>>): Promise<void>;
  /**
   * Records one batch's outcome and adds its counts to the job, at once; false when this batch was
   * already recorded (a batch run again counts once).
   */
  recordBatch(id: string, batch: string, outcome: BatchOutcome): Promise<boolean>;
  /** Every reject of the job, batch by batch. */
  rejects(id: string): AsyncIterable<LoadReject[]>;
}

export interface LoadFiles {
  /** A link the steward PUTs the file to, for `seconds`. */
  uploadUrl(key: string, seconds: number): Promise<string>;
  /** Whether the source object is there. */
  exists(key: string): Promise<boolean>;
  /**
   * Reads the source (gunzipped when `gzip`) line by line and writes the staged JSONL (one load line
   * each, with its line number) the job's Map reads; streams both ways. Answers the lines written and the bucket (the Map reads it).
   */
  stage(source: string, staged: string, format: LoadFormat, gzip: boolean): Promise<{ lines: number; bucket: string }>;
  /** Writes the reject file (NDJSON, one reject a line) from the batches' rejects. */
  putRejects(key: string, rejects: AsyncIterable<LoadReject[]>): Promise<number>;
  downloadUrl(key: string, seconds: number): Promise<string>;
}

export interface LoadWorkflow {
  /** Starts the job's execution, named after it: a second start is a no-op. */
  start(jobId: string): Promise<void>;
}
