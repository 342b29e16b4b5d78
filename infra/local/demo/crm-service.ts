/**
 * The demo CRM: a small service with its own store, reached by Custodian only through the signed
 * webhook contract (docs/connectors.md), as a real CRM would be.
 *
 *   POST /webhook            signed action: erase | access | restrict | opt_out | verify
 *   POST /events             signed consent.changed from Custodian (kept, newest last)
 *   GET  /events             what it received
 *   GET  /contacts           counts and contact ids (no personal data)
 *   GET  /contacts/<id>      one contact as the CRM holds it now (the CRM's "UI")
 *   GET  /health
 *
 * An action is applied once per idempotency key: a replay answers what the first call answered and
 * changes nothing. Run with `callbacks`, it is an async system (the demo marketing platform): a call
 * with `mode: "async"` is answered 202 at once, applied after `delayMs`, and its result posted, signed,
 * to the call's `callback.url`. `verify` is a read and is never cached. `failNext(n, status)` makes the next n
 * webhook calls fail (retries in tests and demos).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import path from 'node:path';
import { z } from 'zod';
import { requestPathOf, sign, verifySignature, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { applyStrategy, hasErasedForm, REDACTED } from '#core/connectors/strategies.ts';
import { strategies, type Strategy } from '#core/connectors/system.ts';
import type { CrmContact } from './customers.ts';

/** What the CRM holds for a contact: the demo fields, plus flags set by restrict / opt_out. */
export type CrmRecord = CrmContact & { processingRestricted?: boolean; marketingOptOut?: boolean; updatedAt?: string };

export interface DemoCrmOptions {
  /** 0 or absent: a free port. */
  port?: number;
  host?: string;
  /**
   * Its own webhook signing key, as Custodian showed it at registration (absent: given later with
   * `useSecret`, every signed call refused until then).
   */
  secret?: string;
  /** The key consent.changed events are signed with (the deployment's shared key). @default `secret` */
  eventsSecret?: string;
  /** The initial contacts (ignored when `persistPath` already holds a store). */
  records: CrmContact[];
  /** Keep the store (and the idempotency log) in this JSON file across restarts. */
  persistPath?: string;
  /** Keys this CRM's `hash` strategy (its own key: Custodian never sees it). */
  hashKey?: string;
  /** Answer async calls later, by callback (the demo marketing platform). */
  callbacks?: { delayMs: number };
}

export interface CrmStats {
  webhookCalls: number;
  /** Calls that changed or read the store. */
  applied: number;
  /** Of those, the calls other than `verify`: each idempotency key's work is carried out once (a replay is not counted). */
  carriedOut: number;
  replays: number;
  rejected: number;
  injectedFailures: number;
}

export interface DemoCrm {
  /** The webhook URL to register. */
  url: string;
  baseUrl: string;
  port: number;
  store: ReadonlyMap<string, Readonly<CrmRecord>>;
  stats(): CrmStats;
  /** The next `count` webhook calls answer `status` (default 503) without touching the store. */
  failNext(count: number, status?: number): void;
  /** The next `count` calls other than `verify` are carried out at once and answered `ms` later: a slow system. */
  slowNext(count: number, ms: number): void;
  /** Async mode: while set, accepted work is applied but no callback is sent (a system that never answers). */
  withholdCallbacks(on: boolean): void;
  /** Async mode: callbacks sent, and how Custodian answered each. */
  callbacksSent: readonly { requestId: string; status: number }[];
  /** Takes the key Custodian issued for this system (the registration's answer). */
  useSecret(secret: string): void;
  /** consent.changed events received (signature checked). */
  events: readonly Record<string, unknown>[];
  stop(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

const webhookBody = z.object({
  requestId: z.string().min(1).max(200),
  systemId: z.string().min(1).max(63),
  action: z.enum(['erase', 'access', 'rectify', 'restrict', 'opt_out', 'verify']),
  subject: z.object({ localId: z.string().min(1).max(128) }),
  fields: z
    .array(z.object({ name: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), strategy: z.enum(strategies) }))
    .max(200),
  idempotencyKey: z.string().min(1).max(300),
  values: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,63}$/), z.string().max(500)).optional(),
  flags: z.array(z.string().max(64)).max(20).optional(),
  mode: z.enum(['sync', 'async']).optional(),
  callback: z.object({ path: z.string().max(300), url: z.url().optional() }).optional(),
});
type WebhookBody = z.infer<typeof webhookBody>;

interface Answer {
  status: number;
  body: Record<string, unknown>;
}
interface Applied extends Answer {
  fingerprint: string;
}

/** Fields the CRM never changes on erasure: its own key. */
const KEY_FIELD = 'contactId';

export async function startDemoCrm(opts: DemoCrmOptions): Promise<DemoCrm> {
  const host = opts.host ?? '127.0.0.1';
  const hashKey = opts.hashKey ?? 'demo-crm-own-hash-key';
  const store = new Map<string, CrmRecord>();
  const applied = new Map<string, Applied>();
  const stats: CrmStats = { webhookCalls: 0, applied: 0, carriedOut: 0, replays: 0, rejected: 0, injectedFailures: 0 };
  let failures: { remaining: number; status: number } = { remaining: 0, status: 503 };
  let slow: { remaining: number; ms: number } = { remaining: 0, ms: 0 };
  let secret = opts.secret;

  if (opts.persistPath && existsSync(opts.persistPath)) {
    const saved = JSON.parse(readFileSync(opts.persistPath, 'utf8')) as {
      contacts: CrmRecord[];
      applied: [string, Applied][];
    };
    for (const c of saved.contacts) store.set(c.contactId, c);
    for (const [k, v] of saved.applied) applied.set(k, v);
  } else {
    for (const r of opts.records) store.set(r.contactId, { ...r });
  }
  const persist = () => {
    if (!opts.persistPath) return;
    mkdirSync(path.dirname(opts.persistPath), { recursive: true });
    const tmp = `${opts.persistPath}.tmp`;
    writeFileSync(tmp, JSON.stringify({ contacts: [...store.values()], applied: [...applied.entries()] }));
    renameSync(tmp, opts.persistPath);
  };
  persist();

  function act(body: WebhookBody): Answer {
    const { action, subject, fields, idempotencyKey } = body;
    const record = store.get(subject.localId);
    const ok = (recordsAffected: number, fieldsChanged: string[], extra: Record<string, unknown> = {}): Answer => ({
      status: 200,
      body: { idempotencyKey, status: 'succeeded', recordsAffected, fieldsChanged, ...extra },
    });
    switch (action) {
      case 'verify': {
        if (!record) return { status: 200, body: { idempotencyKey, erased: true, remaining: [] } };
        const remaining = fields
          .filter((f) => f.name in record && !hasErasedForm(f.strategy, (record as Record<string, unknown>)[f.name]))
          .map((f) => f.name);
        return { status: 200, body: { idempotencyKey, erased: remaining.length === 0, remaining } };
      }
      case 'erase': {
        if (!record) return ok(0, []);
        if (fields.some((f) => f.strategy === 'delete_row')) {
          store.delete(subject.localId);
          return ok(
            1,
            Object.keys(record).filter((k) => k !== KEY_FIELD),
          );
        }
        const held = record as Record<string, unknown>;
        const changes = fields.filter(
          (f) =>
            f.name !== KEY_FIELD &&
            f.strategy !== 'retain' &&
            f.name in held &&
            !hasErasedForm(f.strategy, held[f.name]),
        );
        if (changes.length === 0) return ok(0, [], { detail: 'already erased' });
        const next: Record<string, unknown> = { ...held };
        for (const f of changes)
          next[f.name] = applyStrategy(f.strategy as Exclude<Strategy, 'delete_row'>, held[f.name], hashKey);
        next.updatedAt = new Date().toISOString();
        store.set(subject.localId, next as unknown as CrmRecord);
        return ok(
          1,
          changes.map((f) => f.name),
        );
      }
      case 'access': {
        if (!record) return ok(0, [], { data: {} });
        const { contactId: _id, ...data } = record;
        return ok(1, [], { data });
      }
      case 'restrict':
      case 'opt_out': {
        if (!record) return ok(0, []);
        const flag = action === 'restrict' ? 'processingRestricted' : 'marketingOptOut';
        if (record[flag]) return ok(0, []);
        store.set(subject.localId, { ...record, [flag]: true, updatedAt: new Date().toISOString() });
        return ok(1, [flag]);
      }
      case 'rectify': {
        if (!record) return ok(0, []);
        const held = record as unknown as Record<string, unknown>;
        const changes = Object.entries(body.values ?? {}).filter(([k, v]) => k in held && held[k] !== v);
        if (changes.length === 0) return ok(0, []);
        store.set(subject.localId, {
          ...record,
          ...Object.fromEntries(changes),
          updatedAt: new Date().toISOString(),
        } as CrmRecord);
        return ok(
          1,
          changes.map(([k]) => k),
        );
      }
    }
  }

  async function webhook(req: IncomingMessage): Promise<Answer> {
    stats.webhookCalls++;
    const raw = await readBody(req);
    if (failures.remaining > 0) {
      failures.remaining--;
      stats.injectedFailures++;
      return { status: failures.status, body: { error: 'injected failure' } };
    }
    if (raw === undefined) return { status: 413, body: { error: 'body too large' } };
    if (!signed(secret, req, raw)) {
      stats.rejected++;
      return { status: 401, body: { error: 'bad or missing signature' } };
    }
    let parsed: WebhookBody;
    try {
      parsed = webhookBody.parse(JSON.parse(raw));
    } catch {
      stats.rejected++;
      return { status: 400, body: { error: 'malformed webhook body' } };
    }
    if (parsed.action === 'verify') {
      stats.applied++;
      return act(parsed);
    }
    const fingerprint = createHash('sha256')
      .update(JSON.stringify([parsed.action, parsed.subject.localId, parsed.fields]))
      .digest('hex');
    const previous = applied.get(parsed.idempotencyKey);
    if (previous) {
      if (previous.fingerprint !== fingerprint) {
        stats.rejected++;
        return { status: 409, body: { error: 'idempotency key reused with a different call' } };
      }
      stats.replays++;
      return { status: previous.status, body: previous.body };
    }
    if (parsed.mode === 'async' && opts.callbacks) return acceptLater(parsed, fingerprint);
    const answer = act(parsed);
    if (answer.status === 200) {
      applied.set(parsed.idempotencyKey, { ...answer, fingerprint });
      stats.applied++;
      stats.carriedOut++;
      persist();
    }
    if (slow.remaining > 0) {
      slow.remaining--;
      await new Promise((r) => setTimeout(r, slow.ms));
    }
    return answer;
  }

  let withholding = false;
  // Work accepted and not yet carried out: dropped at stop, as a process that goes away would.
  const pending = new Set<NodeJS.Timeout>();
  const callbacksSent: { requestId: string; status: number }[] = [];
  /** 202 now; the work later; then the signed callback (three tries), as an async system would. */
  function acceptLater(call: WebhookBody, fingerprint: string): Answer {
    const url = call.callback?.url;
    if (!url) return { status: 400, body: { error: 'an async call needs a callback url' } };
    const timer = setTimeout(() => {
      pending.delete(timer);
      const answer = act(call);
      applied.set(call.idempotencyKey, { ...answer, fingerprint });
      stats.applied++;
      stats.carriedOut++;
      persist();
      if (withholding) return;
      const { idempotencyKey, recordsAffected, fieldsChanged, data } = answer.body;
      const body = JSON.stringify({
        idempotencyKey,
        status: 'succeeded',
        recordsAffected,
        fieldsChanged,
        ...(data ? { data } : {}),
      });
      void (async () => {
        for (let attempt = 1; attempt <= 3; attempt++) {
          const res = await fetch(url, {
            method: 'POST',
            headers: {
              'content-type': 'application/json',
              [SIGNATURE_HEADER]: sign(secret ?? '', { method: 'POST', path: requestPathOf(url), body }),
            },
            body,
          }).catch(() => undefined);
          if (res) callbacksSent.push({ requestId: call.requestId, status: res.status });
          if (res && res.status < 500) return;
          await new Promise((r) => setTimeout(r, 200 * attempt));
        }
      })();
    }, opts.callbacks!.delayMs);
    pending.add(timer);
    return { status: 202, body: { accepted: true, idempotencyKey: call.idempotencyKey } };
  }

  function contacts(url: URL): Answer {
    const rest = url.pathname.slice('/contacts'.length);
    if (rest === '' || rest === '/') {
      const all = [...store.values()];
      return {
        status: 200,
        body: {
          total: all.length,
          erased: all.filter((c) => c.firstName === REDACTED).length,
          restricted: all.filter((c) => c.processingRestricted).length,
          optedOut: all.filter((c) => c.marketingOptOut).length,
          contactIds: all.map((c) => c.contactId),
        },
      };
    }
    const id = decodeURIComponent(rest.slice(1));
    const record = store.get(id);
    return record ? { status: 200, body: record } : { status: 404, body: { error: 'no such contact' } };
  }

  const events: Record<string, unknown>[] = [];
  /** consent.changed, signed like the webhook calls: an unsigned one is refused. */
  async function consentEvent(req: IncomingMessage): Promise<Answer> {
    const raw = await readBody(req);
    if (raw === undefined) return { status: 413, body: { error: 'body too large' } };
    if (!signed(opts.eventsSecret ?? secret, req, raw))
      return { status: 401, body: { error: 'bad or missing signature' } };
    events.push(JSON.parse(raw) as Record<string, unknown>);
    return { status: 202, body: { accepted: true } };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://crm.local');
    const route = async (): Promise<Answer> => {
      if (url.pathname === '/events')
        return req.method === 'POST' ? consentEvent(req) : { status: 200, body: { items: events } };
      if (url.pathname === '/webhook') {
        if (req.method !== 'POST') return { status: 405, body: { error: 'POST only' } };
        return webhook(req);
      }
      if (req.method !== 'GET') return { status: 405, body: { error: 'GET only' } };
      if (url.pathname === '/health') return { status: 200, body: { status: 'ok', contacts: store.size } };
      if (url.pathname === '/contacts' || url.pathname.startsWith('/contacts/')) return contacts(url);
      return { status: 404, body: { error: 'not found' } };
    };
    route()
      .catch(() => ({ status: 500, body: { error: 'internal error' } }))
      .then(({ status, body }) => {
        const text = `${JSON.stringify(body, null, url.pathname.startsWith('/contacts') ? 2 : 0)}\n`;
        res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
        res.end(text);
      });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;

  return {
    url: `${baseUrl}/webhook`,
    baseUrl,
    port,
    store,
    stats: () => ({ ...stats }),
    failNext(count: number, status = 503) {
      failures = { remaining: count, status };
    },
    slowNext(count: number, ms: number) {
      slow = { remaining: count, ms };
    },
    events,
    useSecret(next: string) {
      secret = next;
    },
    withholdCallbacks(on: boolean) {
      withholding = on;
    },
    callbacksSent,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const timer of pending) clearTimeout(timer);
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Signed with `key` over this request's method, path and raw body, within the window (docs/connectors.md). */
function signed(key: string | undefined, req: IncomingMessage, raw: string): boolean {
  const header = req.headers[SIGNATURE_HEADER];
  return (
    !!key &&
    verifySignature(
      key,
      { method: req.method ?? 'POST', path: req.url ?? '/', body: raw },
      Array.isArray(header) ? header[0] : header,
    )
  );
}

/** The body as text, or undefined past the size limit. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) over = true;
      else chunks.push(c);
    });
    req.on('end', () => resolve(over ? undefined : Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
