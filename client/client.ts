/**
 * A small typed client for Custodian's HTTP API (CRM integrators, scripts, the CLI). Request types
 * come from the same zod schemas the API validates with. Retries 429/5xx and network faults with
 * exponential backoff and jitter; every write carries an Idempotency-Key, so a retry is safe.
 */
import { randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { captureInputSchema, decisionInputSchema } from '#core/consent/consent.ts';
import type { customerInputSchema } from '#core/ecif/customer.ts';
import type { legalHoldInputSchema } from '#core/ecif/legal-hold.ts';
import type { systemInputSchema } from '#core/connectors/system.ts';
import type { requestInputSchema } from '#core/requests/request.ts';
import type { resolveInputSchema } from '#core/ecif/resolve-subject.ts';
import type { manualCompletionSchema } from '#core/requests/awaited-systems.ts';

export interface ClientOptions {
  baseUrl: string;
  /** A bearer token, or a function returning one (refreshed per call). */
  token?: string | (() => string | Promise<string>);
  /** Attempts per call, the first included. Default 4. */
  attempts?: number;
  /** First backoff in ms; doubles per attempt, with full jitter. Default 200. */
  backoffMs?: number;
  fetch?: typeof fetch;
  /** Base URL of the streamed routes (the audit export): in AWS the streaming REST API (stack output ExportApiUrl). Default baseUrl. */
  exportBaseUrl?: string;
}

/** A problem details answer (RFC 9457), thrown as an error. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: { type?: string; title?: string; detail?: string; [k: string]: unknown },
  ) {
    super(`${status} ${problem.title ?? ''}${problem.detail ? `: ${problem.detail}` : ''}`.trim());
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Writes get one generated per call unless given (give your own to retry across processes). */
  idempotencyKey?: string;
  headers?: Record<string, string>;
}

const retryable = (status: number) => status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createClient(opts: ClientOptions) {
  const doFetch = opts.fetch ?? fetch;
  const attempts = opts.attempts ?? 4;
  const backoff = opts.backoffMs ?? 200;

  async function call<T = unknown>(method: string, path: string, o: CallOptions = {}): Promise<T> {
    const url = new URL(path, opts.baseUrl);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const write = method !== 'GET' && method !== 'HEAD';
    const idempotencyKey = write ? (o.idempotencyKey ?? randomUUID()) : undefined;
    for (let attempt = 1; ; attempt++) {
      const token = typeof opts.token === 'function' ? await opts.token() : opts.token;
      let res: Response | undefined;
      try {
        res = await doFetch(url, {
          method,
          headers: {
            accept: 'application/json',
            ...(o.body !== undefined ? { 'content-type': 'application/json' } : {}),
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}),
            ...o.headers,
          },
          body: o.body !== undefined ? JSON.stringify(o.body) : undefined,
        });
      } catch (err) {
        if (attempt >= attempts) throw err;
      }
      if (res && (!retryable(res.status) || attempt >= attempts)) {
        const text = await res.text();
        const body = text ? JSON.parse(text) : undefined;
        if (res.status >= 400) throw new ApiError(res.status, body ?? {});
        return body as T;
      }
      const retryAfter = Number(res?.headers.get('retry-after'));
      await sleep(
        Number.isFinite(retryAfter) && retryAfter > 0
          ? retryAfter * 1000
          : Math.random() * backoff * 2 ** (attempt - 1),
      );
    }
  }

  /**
   * A streamed answer: the response once its status is in, the body still arriving. A refusal
   * (problem details) is thrown as ApiError. Retried like a call until the first byte, never after:
   * a cut-short stream is the caller's to detect (the export's trailer line).
   */
  async function streamed(
    path: string,
    o: CallOptions = {},
    base = opts.exportBaseUrl ?? opts.baseUrl,
  ): Promise<Response> {
    // The REST API's stage is a path prefix (`…/api/`): resolve relative to it, not the host.
    const url = new URL(path.replace(/^\//, ''), base.endsWith('/') ? base : `${base}/`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    for (let attempt = 1; ; attempt++) {
      const token = typeof opts.token === 'function' ? await opts.token() : opts.token;
      let res: Response | undefined;
      try {
        res = await doFetch(url, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...o.headers } });
      } catch (err) {
        if (attempt >= attempts) throw err;
      }
      if (res && res.status < 400) return res;
      if (res && (!retryable(res.status) || attempt >= attempts)) {
        const text = await res.text();
        let problem: Record<string, unknown> = {};
        try {
          problem = text ? JSON.parse(text) : {};
        } catch {
          // API Gateway's own answers are not always JSON.
        }
        throw new ApiError(res.status, problem);
      }
      await res?.body?.cancel();
      await sleep(Math.random() * backoff * 2 ** (attempt - 1));
    }
  }

  /** Follows `next` cursors: yields every item of a paged list. */
  async function* pages<T>(
    path: string,
    query: Record<string, string | undefined> = {},
    itemsKey = 'items',
  ): AsyncGenerator<T> {
    let cursor: string | undefined;
    do {
      const page = await call<Record<string, unknown>>('GET', path, { query: { ...query, cursor } });
      for (const item of (page[itemsKey] as T[]) ?? []) yield item;
      cursor = (page.next ?? page.cursor ?? undefined) as string | undefined;
    } while (cursor);
  }

  const enc = encodeURIComponent;
  return {
    call,
    pages,
    streamed,
    health: () => call('GET', '/health'),
    decide: (input: z.input<typeof decisionInputSchema>) =>
      call<{ decision: 'allow' | 'deny'; reason: string; decidedAt: string; [k: string]: unknown }>(
        'POST',
        '/v1/consent-decisions',
        { body: input },
      ),
    /** A campaign list (up to 10,000 subjects): each answer with its reason and signed token, in order. */
    decideBatch: (input: {
      purpose: string;
      channel: string;
      jurisdiction?: 'GDPR' | 'CCPA';
      subjects: ({ ecifId: string } | { systemId: string; localId: string })[];
    }) =>
      call<{
        decidedAt: string;
        items: {
          subject: Record<string, string>;
          decision: 'allow' | 'deny';
          reason: string;
          token: string;
          ecifId?: string;
          [k: string]: unknown;
        }[];
      }>('POST', '/v1/consent-decisions/batch', { body: input }),
    /** The public keys that check decision tokens (cache them). */
    decisionKeys: () => call<{ keys: Record<string, unknown>[] }>('GET', '/v1/consent-decisions/keys'),
    catalog: () =>
      call<{ purposes: Record<string, unknown>[]; channels: string[]; notices: Record<string, unknown>[] }>(
        'GET',
        '/v1/consent/catalog',
      ),
    receipt: (receiptId: string) => call<Record<string, unknown>>('GET', `/v1/consents/receipts/${enc(receiptId)}`),
    consents: (ecifId: string, asOf?: string) =>
      call<{
        ecifId: string;
        consents: Record<string, unknown>[];
        flags: Record<string, boolean>;
        /** As of an instant: the ledger event each flag's value rests on. */
        flagEvents?: Record<string, { eventId: string; capturedAt: string; cause: Record<string, unknown> }>;
      }>('GET', `/v1/subjects/${enc(ecifId)}/consents`, { query: { asOf } }),
    consentHistory: (ecifId: string) => pages<Record<string, unknown>>(`/v1/subjects/${enc(ecifId)}/consents/history`),
    captureConsent: (input: z.input<typeof captureInputSchema>, idempotencyKey?: string) =>
      call('POST', '/v1/consents', { body: input, idempotencyKey }),
    submitRequest: (input: z.input<typeof requestInputSchema>, idempotencyKey?: string) =>
      call<{ id: string; status: string; dueAt: string }>('POST', '/v1/privacy-requests', {
        body: input,
        idempotencyKey,
      }),
    request: (id: string, requesterKey?: string) =>
      call<{ id: string; status: string; [k: string]: unknown }>(
        'GET',
        `/v1/privacy-requests/${enc(id)}`,
        requesterKey ? { headers: { 'x-requester-key': requesterKey } } : {},
      ),
    verifyRequest: (id: string, code: string) =>
      call<{ id: string; status: string }>('POST', `/v1/privacy-requests/${enc(id)}/verification`, { body: { code } }),
    /** The queue (operator, auditor): open requests by default; filters status, type, jurisdiction, dueBefore, overdue. */
    requests: (query: Record<string, string | undefined> = {}) =>
      pages<{ id: string; status: string; [k: string]: unknown }>('/v1/privacy-requests', query),
    extendRequest: (id: string, reason: string) =>
      call<{ id: string; extension: { extendedDueAt: string } }>('POST', `/v1/privacy-requests/${enc(id)}/extend`, {
        body: { reason },
      }),
    denyRequest: (id: string, reason: string, detail: string) =>
      call<{ id: string; status: string }>('POST', `/v1/privacy-requests/${enc(id)}/deny`, {
        body: { reason, detail },
      }),
    retryRequest: (id: string) => call<{ id: string; status: string }>('POST', `/v1/privacy-requests/${enc(id)}/retry`),
    cancelRequest: (id: string, requesterKey?: string) =>
      call<{ id: string; status: string }>(
        'POST',
        `/v1/privacy-requests/${enc(id)}/cancel`,
        requesterKey ? { headers: { 'x-requester-key': requesterKey } } : {},
      ),
    putCustomer: (ecifId: string, input: z.input<typeof customerInputSchema>, idempotencyKey?: string) =>
      call<{ ecifId: string; created: boolean }>('PUT', `/v1/ecif/customers/${enc(ecifId)}`, {
        body: input,
        idempotencyKey,
      }),
    /** A bulk load job: `fileName` to get an upload link, or `key` of an object already in the import prefix. */
    createImport: (input: { fileName?: string; key?: string }) =>
      call<LoadJob & { uploadUrl?: string }>('POST', '/v1/ecif/imports', { body: input }),
    startImport: (id: string) => call<LoadJob>('POST', `/v1/ecif/imports/${enc(id)}/start`),
    /** Progress; when finished with rejects, `rejectsUrl` downloads the reject file. */
    importProgress: (id: string) => call<LoadJob & { rejectsUrl?: string }>('GET', `/v1/ecif/imports/${enc(id)}`),
    resolveCustomer: (identifiers: z.input<typeof resolveInputSchema>) =>
      call<{
        ecifId: string;
        crossReferences: { systemId: string; localId: string; since: string; source?: string }[];
      }>('POST', '/v1/ecif/resolve', { body: identifiers }),
    completeManualTask: (requestId: string, systemId: string, completion: z.input<typeof manualCompletionSchema>) =>
      call<{ systemId: string; state: string }>(
        'POST',
        `/v1/privacy-requests/${enc(requestId)}/systems/${enc(systemId)}/complete`,
        { body: completion },
      ),
    /** An HTTP system registered now answers, this once, its issued `signingSecret`. */
    putSystem: (systemId: string, input: z.input<typeof systemInputSchema>) =>
      call('PUT', `/v1/systems/${enc(systemId)}`, { body: input }),
    /** A new issued key for the system, shown once; the previous one stays valid until the next rotation. */
    rotateSystemKey: (systemId: string) =>
      call<{ systemId: string; signingSecret: string }>('POST', `/v1/systems/${enc(systemId)}/signing-key`),
    systems: () => call<{ items: Record<string, unknown>[] }>('GET', '/v1/systems'),
    /** Legal holds (operator; an auditor reads): erasures of the subject destroy nothing until released. */
    placeLegalHold: (ecifId: string, input: z.input<typeof legalHoldInputSchema>) =>
      call<{ ecifId: string; reference: string; placedAt: string }>('PUT', `/v1/subjects/${enc(ecifId)}/legal-hold`, {
        body: input,
      }),
    legalHold: (ecifId: string) =>
      call<{ ecifId: string; reference: string; reason: string; placedAt: string }>(
        'GET',
        `/v1/subjects/${enc(ecifId)}/legal-hold`,
      ),
    releaseLegalHold: (ecifId: string) =>
      call<{ ecifId: string; released: true; reference: string; erasuresStarted: string[] }>(
        'DELETE',
        `/v1/subjects/${enc(ecifId)}/legal-hold`,
      ),
    auditEvents: (query: Record<string, string | undefined> = {}) =>
      pages<Record<string, unknown>>('/v1/audit/events', query),
    /** A day at most; any range as a job: startAuditVerification, then auditVerification(id) until it is no longer running. */
    auditVerify: (query: Record<string, string | undefined> = {}) => call('GET', '/v1/audit/verify', { query }),
    /** The CCPA metrics of a calendar year (11 CCR §7102), as JSON. */
    ccpaMetrics: (year: number) =>
      call<{ year: number; rights: Record<string, Record<string, unknown>> }>('GET', '/v1/reports/ccpa-metrics', {
        query: { year },
      }),
    /** The same figures as the API's CSV text. */
    ccpaMetricsCsv: async (year: number) =>
      (await streamed('/v1/reports/ccpa-metrics', { query: { year, format: 'csv' } }, opts.baseUrl)).text(),
    /** The record of processing activities (GDPR Art. 30), as JSON. */
    ropa: () =>
      call<{
        controller: { name: string | null; contact: string | null };
        dpo: { contact: string | null };
        activities: {
          id: string;
          name: string;
          legalBases: string[];
          dataCategories: string[];
          systems: string[];
          gaps: string[];
        }[];
      }>('GET', '/v1/reports/ropa'),
    /** The same record as the API's CSV text. */
    ropaCsv: async () => (await streamed('/v1/reports/ropa', { query: { format: 'csv' } }, opts.baseUrl)).text(),
    /** The dashboard's figures for [from, to). */
    metrics: (query: { from: string; to: string }) => call<Record<string, unknown>>('GET', '/v1/metrics', { query }),
    startAuditVerification: (range: { from: string; to?: string }) =>
      call<{ id: string; status: 'running'; days: number; location: string }>('POST', '/v1/audit/verifications', {
        body: range,
      }),
    /** An export to the report bucket as a job (parts and a signed manifest); follow it with auditVerification(id). */
    startAuditExport: (body: {
      from: string;
      to?: string;
      filter?: { stream?: string; ecifId?: string; actor?: string; action?: string };
    }) =>
      call<{ id: string; status: 'running'; days: number; location: string }>('POST', '/v1/audit/exports', { body }),
    /** A verification's or an export's progress (`verified` or `written` days), then its result (an export's links). */
    auditVerification: (id: string) =>
      call<{
        id: string;
        status: 'running' | 'succeeded' | 'failed';
        progress: { days: number; verified?: number; written?: number };
        manifest?: string;
        parts?: { day: string; lines: number; sha256: string; url: string }[];
      }>('GET', `/v1/audit/verifications/${enc(id)}`),
    /** The streamed export (NDJSON ends with its trailer line; CSV has none): the response, its body still arriving. */
    auditExport: (query: { from: string; to?: string; format?: 'ndjson' | 'csv' }) =>
      streamed('/v1/audit/export', { query }),
  };
}

export type CustodianClient = ReturnType<typeof createClient>;

export interface LoadJob {
  id: string;
  status: 'awaiting_upload' | 'staging' | 'loading' | 'finished' | 'failed';
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
  lines?: number;
  batches: number;
  failure?: string;
}
