/**
 * In-memory fakes of the core's ports, faithful to the DynamoDB adapters' contracts (see
 * functions/adapters/dynamodb/*): conditional writes throw where the adapter's condition would
 * fail, reads return fresh copies (never an alias of what is stored), updates drop `undefined`
 * members as `setExpression` does, and queries return items in sort-key order.
 */
import type { ChangeVersions } from '#core/ecif/change-feed.ts';
import { chainNext, type AuditEvent, type AuditInput, type SealedEvent } from '#core/audit/event.ts';
import { canonicalJsonWithout } from '#core/audit/canonical.ts';
import type { AuditFilter, AuditLog, AuditPage, AuditRange, StoredEvent } from '#core/audit/ports.ts';
import type { AuditDigest } from '#core/audit/digest.ts';
import type {
  CallbackTicket,
  Connector,
  ConnectorOutcome,
  SystemWork,
  Verification,
} from '#core/connectors/connector.ts';
import type { ConnectedSystem } from '#core/connectors/system.ts';
import type { Channel, Purpose } from '#core/consent/catalog.ts';
import {
  flagEvents,
  isFlagEvent,
  noFlags,
  type ConsentEvent,
  type ConsentFlags,
  type CurrentConsent,
  type FlagCause,
  type LedgerEvent,
} from '#core/consent/consent.ts';
import type { ConsentLedger } from '#core/consent/ports.ts';
import type { CrossReference, GoldenRecord } from '#core/ecif/customer.ts';
import type { IdentityKey } from '#core/ecif/identifiers.ts';
import type { CustomerChange, EcifRegistry, RebindChange, SubjectStatus, SystemsRegistry } from '#core/ecif/ports.ts';
import { assertMove, keepsStatus } from '#core/requests/lifecycle.ts';
import type { RequestFilter, RequestPatch, RequestStore, RequestWorkflow } from '#core/requests/ports.ts';
import {
  effectiveDueAt,
  terminalStatuses,
  type PrivacyRequest,
  type RequestStatus,
  type RequestType,
  type SystemTask,
  type SystemTaskState,
} from '#core/requests/request.ts';
import type { Clock } from '#core/shared/clock.ts';
import type { FollowUp, FollowUpState, FollowUpStore } from '#core/requests/follow-ups.ts';
import type { LegalHold, LegalHolds } from '#core/ecif/legal-hold.ts';
import type { Notification, Outbox } from '#core/notifications/outbox.ts';
import type { ReportStore } from '#core/reports/ports.ts';
import { ConflictError } from '#core/shared/errors.ts';

const copy = <T>(v: T): T => structuredClone(v);
const defined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
const keyOf = (k: IdentityKey) => `${k.kind}#${k.hash}`;
const bySortKey =
  <T>(sk: (t: T) => string) =>
  (a: T, b: T) =>
    sk(a) < sk(b) ? -1 : sk(a) > sk(b) ? 1 : 0;

/** A failed conditional write, named as the SDK names it. */
export class ConditionFailed extends Error {
  constructor(what: string) {
    super(`conditional check failed: ${what}`);
    this.name = 'ConditionalCheckFailedException';
  }
}

export class FakeAuditLog implements AuditLog {
  readonly streams = new Map<string, AuditEvent[]>();
  constructor(private readonly clock: Clock) {}

  async append(input: AuditInput): Promise<AuditEvent> {
    const events = this.streams.get(input.stream) ?? [];
    const event = chainNext(events.at(-1), copy(input), this.clock.now().toISOString());
    events.push(event);
    this.streams.set(input.stream, events);
    return copy(event);
  }

  async stream(stream: string): Promise<AuditEvent[]> {
    return copy(this.streams.get(stream) ?? []);
  }

  /** Sealed from the events as they are now: a test's edit to a stored event shows in its bytes. */
  async sealed(stream: string): Promise<SealedEvent[]> {
    return (this.streams.get(stream) ?? []).map((e) => ({ canonical: canonicalJsonWithout(e, 'hash')!, hash: e.hash }));
  }

  readonly digestItems = new Map<string, AuditDigest>();

  /** As stored: each event at its key, with the bytes of the event as it is now (a test's edit shows). */
  private storedOf = (e: AuditEvent): StoredEvent => ({
    canonical: canonicalJsonWithout(e, 'hash')!,
    hash: e.hash,
    stream: e.stream,
    seq: e.seq,
  });

  /** Two events a page: the verifier must carry its chains across pages. */
  async *dayEvents(day: string): AsyncIterable<StoredEvent[]> {
    const next = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
    const events = this.all({ from: `${day}T00:00:00.000Z`, to: next }).map(this.storedOf);
    for (let i = 0; i < events.length; i += 2) yield events.slice(i, i + 2);
  }

  async eventsAt(keys: { stream: string; seq: number }[]): Promise<StoredEvent[]> {
    return keys.flatMap((k) => (this.streams.get(k.stream) ?? []).filter((e) => e.seq === k.seq).map(this.storedOf));
  }

  private all(range: AuditRange): AuditEvent[] {
    return [...this.streams.values()]
      .flat()
      .filter((e) => e.at >= range.from && e.at < range.to)
      .sort((a, b) => a.at.localeCompare(b.at) || a.stream.localeCompare(b.stream) || a.seq - b.seq);
  }

  /** One page with everything (the fake needs no paging). */
  /** Paged like the table: the cursor is an offset into the filtered range. */
  async events(range: AuditRange, filter: AuditFilter, page?: { cursor?: string; limit: number }): Promise<AuditPage> {
    const items = this.all(range).filter(
      (e) =>
        (!filter.stream || e.stream === filter.stream) &&
        (!filter.ecifId || e.target.ecifId === filter.ecifId) &&
        (!filter.actor || e.actor.principal === filter.actor || e.actor.role === filter.actor) &&
        (!filter.action || e.action === filter.action),
    );
    if (!page) return { items: copy(items) };
    const start = Number(page.cursor ?? 0);
    const end = start + page.limit;
    return { items: copy(items.slice(start, end)), ...(end < items.length ? { next: String(end) } : {}) };
  }

  async streamsIn(range: AuditRange): Promise<string[]> {
    return [...new Set(this.all(range).map((e) => e.stream))];
  }

  async putDigest(digest: AuditDigest): Promise<void> {
    if (!this.digestItems.has(digest.day)) this.digestItems.set(digest.day, copy(digest));
  }

  async digests(fromDay: string, toDay: string): Promise<AuditDigest[]> {
    return copy(
      [...this.digestItems.values()]
        .filter((d) => d.day >= fromDay && d.day <= toDay)
        .sort((a, b) => a.day.localeCompare(b.day)),
    );
  }

  async latestDigestBefore(day: string): Promise<AuditDigest | undefined> {
    const before = [...this.digestItems.values()].filter((d) => d.day < day).sort((a, b) => a.day.localeCompare(b.day));
    return before.length ? copy(before.at(-1)!) : undefined;
  }

  /** Every action, in append order, of one stream. */
  actions(stream: string): string[] {
    return (this.streams.get(stream) ?? []).map((e) => e.action);
  }

  count(): number {
    return [...this.streams.values()].reduce((n, s) => n + s.length, 0);
  }
}

export class FakeEcifRegistry implements EcifRegistry {
  readonly customers = new Map<string, GoldenRecord>();
  /** `kind#hash` to ecifId: one owner per identity. */
  readonly index = new Map<string, string>();
  /** `kind#hash` to when it was suppressed; never the ecifId. */
  readonly suppression = new Map<string, { kind: string; at: string }>();
  /** ecifId to its cross-references, keyed `systemId#localId`. */
  readonly xrefs = new Map<string, Map<string, CrossReference>>();

  async getCustomer(ecifId: string) {
    const r = this.customers.get(ecifId);
    return r ? copy(r) : undefined;
  }

  async findByIdentity(key: IdentityKey) {
    return this.index.get(keyOf(key));
  }

  async statuses(ecifIds: string[]) {
    return new Map(
      ecifIds.flatMap((id): [string, SubjectStatus][] => {
        const r = this.customers.get(id);
        if (!r) return [];
        return [
          [
            id,
            {
              status: r.status,
              ...(r.mergedInto ? { mergedInto: r.mergedInto.survivor } : {}),
              ...(r.merged?.length ? { merged: [...r.merged] } : {}),
            },
          ],
        ];
      }),
    );
  }

  /** All or nothing, with the adapter's conditions. */
  async rebindCustomers(change: RebindChange) {
    const changed = () => new ConflictError('a golden record or identifier changed meanwhile', { reason: 'changed' });
    for (const { record, expectedUpdatedAt } of change.records)
      if (this.customers.get(record.ecifId)?.updatedAt !== expectedUpdatedAt) throw changed();
    for (const { key, from } of change.identities) if (this.index.get(keyOf(key)) !== from) throw changed();
    for (const { record } of change.records) this.customers.set(record.ecifId, copy(record));
    for (const { key, to } of change.identities) this.index.set(keyOf(key), to);
    for (const { crossReference: x, from, to } of change.crossReferences) {
      this.xrefs.get(from)?.delete(`${x.systemId}#${x.localId}`);
      const into = this.xrefs.get(to) ?? new Map<string, CrossReference>();
      into.set(`${x.systemId}#${x.localId}`, copy(x));
      this.xrefs.set(to, into);
    }
  }

  async identityOwner(key: IdentityKey) {
    const owner = this.index.get(keyOf(key));
    if (owner) return { ecifId: owner };
    return this.suppression.has(keyOf(key)) ? { erased: true as const } : undefined;
  }

  async suppressed(keys: IdentityKey[]) {
    return keys.filter((k) => this.suppression.has(keyOf(k))).map(copy);
  }

  /** All or nothing, as the adapter's one transaction. */
  async saveCustomer(change: CustomerChange) {
    const me = change.record.ecifId;
    for (const k of change.addIdentities) {
      const owner = this.index.get(keyOf(k));
      if (owner !== undefined && owner !== me)
        throw new ConflictError('an identifier was bound to another customer meanwhile', { ecifId: me });
    }
    for (const k of change.removeIdentities) {
      // `ConditionExpression: 'ecifId = :me'` fails on an absent item too.
      if (this.index.get(keyOf(k)) !== me)
        throw new ConflictError('an identifier was bound to another customer meanwhile', { ecifId: me });
    }
    this.customers.set(me, copy(change.record));
    for (const k of change.addIdentities) this.index.set(keyOf(k), me);
    for (const k of change.removeIdentities) this.index.delete(keyOf(k));
    const xrefs = this.xrefs.get(me) ?? new Map<string, CrossReference>();
    for (const x of change.crossReferences) xrefs.set(`${x.systemId}#${x.localId}`, copy(x));
    for (const x of change.removeCrossReferences) xrefs.delete(`${x.systemId}#${x.localId}`);
    this.xrefs.set(me, xrefs);
  }

  async getCustomers(ecifIds: string[]) {
    return ecifIds.flatMap((id) => {
      const r = this.customers.get(id);
      return r ? [copy(r)] : [];
    });
  }

  /** Each change alone, as the adapter's grouped writes: a conflict refuses that record only. */
  async saveCustomers(changes: CustomerChange[]) {
    const refused: { ecifId: string; kind?: string; boundTo?: string }[] = [];
    for (const change of changes) {
      const taken = change.addIdentities.find((k) => {
        const owner = this.index.get(keyOf(k));
        return owner !== undefined && owner !== change.record.ecifId;
      });
      if (taken)
        refused.push({ ecifId: change.record.ecifId, kind: taken.kind, boundTo: this.index.get(keyOf(taken)) });
      else
        await this.saveCustomer({
          ...change,
          removeIdentities: change.removeIdentities.filter((k) => this.index.has(keyOf(k))),
        });
    }
    return refused;
  }

  async crossReferences(ecifId: string) {
    const xrefs = this.xrefs.get(ecifId);
    if (!xrefs) return [];
    return [...xrefs.entries()].sort(bySortKey(([k]) => k)).map(([, x]) => copy(x));
  }

  async eraseCustomer(erased: GoldenRecord, suppress: IdentityKey[]) {
    const at = erased.erasedAt ?? erased.updatedAt;
    this.customers.set(erased.ecifId, copy(erased));
    for (const k of suppress) this.index.delete(keyOf(k));
    for (const k of suppress) this.suppression.set(keyOf(k), { kind: k.kind, at });
  }
}

export class FakeSystemsRegistry implements SystemsRegistry {
  readonly systems = new Map<string, ConnectedSystem>();
  constructor(initial: ConnectedSystem[] = []) {
    for (const s of initial) this.systems.set(s.systemId, copy(s));
  }
  async put(system: ConnectedSystem) {
    this.systems.set(system.systemId, copy(system));
  }
  async get(systemId: string) {
    const s = this.systems.get(systemId);
    return s ? copy(s) : undefined;
  }
  async list() {
    return [...this.systems.values()].sort(bySortKey((s) => s.systemId)).map(copy);
  }
}

/** The ledger: immutable events plus a projection only a later event (by `EVT#<at>#<eventId>`) moves. */
export class FakeConsentLedger implements ConsentLedger {
  readonly events = new Map<string, Map<string, LedgerEvent>>();
  readonly projection = new Map<string, Map<string, CurrentConsent & { lastEventSk: string }>>();
  /** Per subject, each flag's value and the event it rests on. */
  readonly flags = new Map<string, Map<keyof ConsentFlags, { value: boolean; sk: string; cause: string }>>();

  async currentFor(ecifIds: string[], purpose: Purpose, channel: Channel) {
    const out = new Map<string, { states: CurrentConsent[]; flags: ConsentFlags }>();
    for (const ecifId of ecifIds) {
      const { states, flags } = await this.current(ecifId);
      out.set(ecifId, {
        states: states.filter((s) => s.purpose === purpose && (s.channel === channel || s.channel === 'any')),
        flags,
      });
    }
    return out;
  }

  readonly receipts = new Map<string, { ecifId: string; receipt: object }>();
  async putReceipt(receiptId: string, ecifId: string, receipt: object) {
    if (!this.receipts.has(receiptId)) this.receipts.set(receiptId, copy({ ecifId, receipt }));
  }
  async receipt(receiptId: string) {
    const r = this.receipts.get(receiptId);
    return r ? copy(r) : undefined;
  }

  async append(events: ConsentEvent[]) {
    for (const e of events) {
      const sk = `EVT#${e.capturedAt}#${e.eventId}`;
      const ledger = this.events.get(e.ecifId) ?? new Map<string, LedgerEvent>();
      this.events.set(e.ecifId, ledger);
      if (ledger.has(sk)) continue; // written by an earlier attempt
      ledger.set(sk, copy(e));
      const cur = this.projection.get(e.ecifId) ?? new Map();
      this.projection.set(e.ecifId, cur);
      const key = `CUR#${e.purpose}#${e.channel}`;
      const held = cur.get(key);
      if (!held || held.lastEventSk < sk) {
        cur.set(key, {
          purpose: e.purpose,
          channel: e.channel,
          state: e.state,
          eventId: e.eventId,
          capturedAt: e.capturedAt,
          notice: copy(e.notice),
          ...(e.expiresAt ? { expiresAt: e.expiresAt } : {}),
          lastEventSk: sk,
        });
      }
    }
  }

  async history(ecifId: string, page: { until?: string; limit: number }) {
    const items = [...(this.events.get(ecifId)?.entries() ?? [])]
      .sort(bySortKey(([k]) => k))
      .map(([, e]) => copy(e))
      .filter((e) => !page.until || e.capturedAt <= page.until);
    return { items: items.slice(0, page.limit) };
  }

  async current(ecifId: string) {
    const cur = this.projection.get(ecifId) ?? new Map();
    const states: CurrentConsent[] = [...cur.entries()]
      .sort(bySortKey(([k]) => k))
      .map(([, { lastEventSk: _l, ...rest }]) => copy(rest));
    const flags: ConsentFlags = { ...noFlags };
    for (const [k, { value }] of this.flags.get(ecifId) ?? []) flags[k] = value;
    return { states, flags };
  }

  async setFlags(ecifId: string, patch: Partial<ConsentFlags>, at: string, cause: FlagCause) {
    for (const e of flagEvents(ecifId, patch, at, cause)) {
      const sk = `EVT#${e.capturedAt}#${e.eventId}`;
      const held = this.flags.get(ecifId) ?? new Map();
      this.flags.set(ecifId, held);
      const was = held.get(e.flag);
      // The same cause setting the same value again (a retried step) is recorded once.
      if (was && was.value === e.value && was.cause === JSON.stringify(cause)) continue;
      const ledger = this.events.get(ecifId) ?? new Map<string, LedgerEvent>();
      this.events.set(ecifId, ledger);
      ledger.set(sk, copy(e));
      if (!was || was.sk < sk) held.set(e.flag, { value: e.value, sk, cause: JSON.stringify(cause) });
    }
  }

  /** The choices alone (no flag events), in sort-key order. */
  choices(ecifId: string): ConsentEvent[] {
    return this.ledger(ecifId).filter((e): e is ConsentEvent => !isFlagEvent(e));
  }

  ledger(ecifId: string): LedgerEvent[] {
    return [...(this.events.get(ecifId) ?? new Map()).entries()].sort(bySortKey(([k]) => k)).map(([, e]) => copy(e));
  }
}

export class FakeRequestStore implements RequestStore {
  readonly requests = new Map<string, PrivacyRequest>();
  readonly taskItems = new Map<string, SystemTask>();

  async create(request: PrivacyRequest) {
    if (this.requests.has(request.id)) throw new ConditionFailed(`REQ#${request.id}`);
    this.requests.set(request.id, copy(request));
  }

  async get(id: string) {
    const r = this.requests.get(id);
    return r ? copy(r) : undefined;
  }

  async getPlanned(id: string, systemId: string) {
    const request = await this.get(id);
    return request ? { request, task: await this.getTask(id, systemId) } : undefined;
  }

  async update(id: string, patch: RequestPatch) {
    keepsStatus(patch);
    this.write(id, patch);
  }

  /** Test setup only: puts a request in a status directly, as a seeded table would (no lifecycle check). */
  seed(id: string, patch: Partial<Omit<PrivacyRequest, 'id'>>) {
    this.write(id, patch);
  }

  private write(id: string, patch: Partial<Omit<PrivacyRequest, 'id'>>) {
    const r = this.requests.get(id);
    if (!r) throw new ConditionFailed(`REQ#${id}`);
    const cleared = (['corrections', 'attention'] as const).filter((k) => k in patch && patch[k] === undefined);
    const next: PrivacyRequest = { ...r, ...copy(defined(patch)) };
    for (const k of cleared) delete next[k];
    this.requests.set(id, next);
  }

  async moveTask(
    requestId: string,
    systemId: string,
    from: SystemTaskState,
    patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>> & { state: SystemTaskState },
  ) {
    const t = this.taskItems.get(`${requestId}#${systemId}`);
    if (!t || t.state !== from)
      throw new ConflictError(`the system step is no longer ${from}`, { systemState: from, wanted: patch.state });
    await this.updateTask(requestId, systemId, patch);
  }

  async transition(id: string, from: RequestStatus, to: RequestStatus, patch: RequestPatch = {}) {
    keepsStatus(patch);
    assertMove(from, to, `moved to ${to}`);
    this.ifStatus(id, from, to);
    this.write(id, { ...patch, status: to });
  }

  async updateIfStatus(id: string, status: RequestStatus, patch: RequestPatch) {
    keepsStatus(patch);
    this.ifStatus(id, status, status);
    this.write(id, patch);
  }

  private ifStatus(id: string, from: RequestStatus, wanted: RequestStatus) {
    const r = this.requests.get(id);
    if (!r || r.status !== from)
      throw new ConflictError(`the request is no longer ${from}`, { requestStatus: from, wanted });
  }

  /** One page with everything that matches, in the index's order (status of the filter, then deadline). */
  async list(filter: RequestFilter, _page: { limit: number; cursor?: string }) {
    const items = filter.statuses.flatMap((status) =>
      [...this.requests.values()]
        .filter(
          (r) =>
            r.status === status &&
            (!filter.type || r.type === filter.type) &&
            (!filter.jurisdiction || r.jurisdiction === filter.jurisdiction) &&
            (!filter.ecifId || r.ecifId === filter.ecifId) &&
            (!filter.dueBefore || effectiveDueAt(r) < filter.dueBefore),
        )
        .sort(bySortKey((r) => `${effectiveDueAt(r)}#${r.id}`)),
    );
    return { items: copy(items) };
  }

  async countAttempt(id: string, before: number) {
    const r = this.requests.get(id);
    if (r?.status !== 'pending_verification' || (r.verification.attempts ?? 0) !== before) {
      throw new ConflictError('another try at this code is being checked: try again');
    }
    r.verification.attempts = before + 1;
  }

  readonly openClaims = new Map<string, string>();
  async claimOpen(ecifId: string, type: RequestType, requestId: string) {
    const key = `${ecifId}#${type}`;
    const holder = this.openClaims.get(key);
    const held = holder ? this.requests.get(holder) : undefined;
    if (holder && holder !== requestId && held && !terminalStatuses.includes(held.status)) return holder;
    this.openClaims.set(key, requestId);
    return requestId;
  }

  async putTasksIfAbsent(tasks: SystemTask[]) {
    for (const task of tasks) {
      const key = `${task.requestId}#${task.systemId}`;
      if (!this.taskItems.has(key)) this.taskItems.set(key, copy(task));
    }
  }

  async getTask(requestId: string, systemId: string) {
    const t = this.taskItems.get(`${requestId}#${systemId}`);
    return t ? copy(t) : undefined;
  }

  async claimTask(requestId: string, systemId: string, at: string) {
    const t = this.taskItems.get(`${requestId}#${systemId}`);
    if (!t || !['pending', 'running', 'waiting'].includes(t.state)) return undefined;
    await this.updateTask(requestId, systemId, { state: 'running', attempts: t.attempts + 1, updatedAt: at });
    return copy(this.taskItems.get(`${requestId}#${systemId}`)!);
  }

  async updateTask(requestId: string, systemId: string, patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>>) {
    const key = `${requestId}#${systemId}`;
    const t = this.taskItems.get(key);
    if (!t) throw new ConditionFailed(`SYS#${systemId}`);
    this.taskItems.set(key, { ...t, ...copy(defined(patch)) });
  }

  /** The `GSI1` index: `STATUS#<status>`, sorted by `<dueAt>#<id>`, at most `limit`. */
  async idsByStatus(status: PrivacyRequest['status'], limit = 100) {
    return [...this.requests.values()]
      .filter((r) => r.status === status)
      .sort(bySortKey((r) => `${effectiveDueAt(r)}#${r.id}`))
      .slice(0, limit)
      .map((r) => r.id);
  }

  async tasks(requestId: string) {
    return [...this.taskItems.values()]
      .filter((t) => t.requestId === requestId)
      .sort(bySortKey((t) => t.systemId))
      .map(copy);
  }
}

/** Follow-ups as the adapter keeps them: the due index sorted by `<dueAt>#<requestId>#<key>`, the held one per subject. */
export class FakeFollowUpStore implements FollowUpStore {
  readonly items = new Map<string, FollowUp>();
  async putIfAbsent(f: FollowUp) {
    const k = `${f.requestId}#${f.key}`;
    if (this.items.has(k)) return false;
    this.items.set(k, copy(f));
    return true;
  }
  async get(requestId: string, key: string) {
    const f = this.items.get(`${requestId}#${key}`);
    return f ? copy(f) : undefined;
  }
  async due(at: string, limit = 100) {
    return [...this.items.values()]
      .filter((f) => f.state === 'scheduled' && f.dueAt! <= at)
      .sort(bySortKey((f) => `${f.dueAt}#${f.requestId}#${f.key}`))
      .slice(0, limit)
      .map(copy);
  }
  async held(ecifId: string) {
    return [...this.items.values()]
      .filter((f) => f.state === 'held' && f.ecifId === ecifId)
      .sort(bySortKey((f) => `${f.createdAt}#${f.requestId}`))
      .map(copy);
  }
  async claimRun(requestId: string, key: string, runRequestId: string) {
    const f = this.items.get(`${requestId}#${key}`);
    if (!f) throw new ConditionFailed(`FOLLOWUP#${key}`);
    f.runRequestId ??= runRequestId;
    return f.runRequestId;
  }
  async move(
    requestId: string,
    key: string,
    from: FollowUpState,
    patch: { state: FollowUpState; dueAt?: string; updatedAt: string },
  ) {
    const f = this.items.get(`${requestId}#${key}`);
    if (!f || f.state !== from) return false;
    Object.assign(f, defined(patch));
    return true;
  }
}

export class FakeLegalHolds implements LegalHolds {
  readonly items = new Map<string, LegalHold>();
  async get(ecifId: string) {
    const h = this.items.get(ecifId);
    return h ? copy(h) : undefined;
  }
  async put(hold: LegalHold) {
    this.items.set(hold.ecifId, copy(hold));
  }
  async remove(ecifId: string) {
    const h = this.items.get(ecifId);
    this.items.delete(ecifId);
    return h;
  }
}

/** Starting twice is a no-op, as an execution named after the request id. */
export class FakeRequestWorkflow implements RequestWorkflow {
  readonly started = new Set<string>();
  calls = 0;
  /** How each waiting step was answered, by token, in order (a second answer is refused, as Step Functions does). */
  readonly answers = new Map<
    string,
    { kind: 'success'; output: Record<string, unknown> } | { kind: 'failure'; error: string; cause: string }
  >();
  readonly heartbeats: string[] = [];
  async start(requestId: string, run?: string) {
    this.calls++;
    this.started.add(run ? `${requestId}-${run}` : requestId);
  }
  private answer(
    token: string,
    a: { kind: 'success'; output: Record<string, unknown> } | { kind: 'failure'; error: string; cause: string },
  ) {
    if (this.answers.has(token)) throw new ConflictError('the step is no longer waiting');
    this.answers.set(token, a);
  }
  async completeTask(token: string, output: Record<string, unknown>) {
    this.answer(token, { kind: 'success', output });
  }
  async failTask(token: string, error: string, cause: string) {
    this.answer(token, { kind: 'failure', error, cause });
  }
  async heartbeatTask(token: string) {
    this.heartbeats.push(token);
  }
}

export type ConnectorBehaviour =
  | { kind: 'succeed'; outcome?: ConnectorOutcome; verification?: Verification }
  | { kind: 'throw'; error: () => Error };

/** A connector per system whose behaviour a test sets; it records every call. */
export class FakeConnectors {
  readonly calls: {
    systemId: string;
    op: 'execute' | 'verify' | 'start';
    work: SystemWork;
    callback?: CallbackTicket;
  }[] = [];
  private readonly behaviours = new Map<string, ConnectorBehaviour>();

  set(systemId: string, behaviour: ConnectorBehaviour) {
    this.behaviours.set(systemId, behaviour);
  }

  connectorFor = (system: ConnectedSystem): Connector => {
    const behaviour = () => this.behaviours.get(system.systemId) ?? { kind: 'succeed' as const };
    const connector: Connector = {
      execute: async (work) => {
        this.calls.push({ systemId: system.systemId, op: 'execute', work: copy(work) });
        const b = behaviour();
        if (b.kind === 'throw') throw b.error();
        return b.outcome ?? { recordsAffected: 1, fieldsChanged: work.fields.map((f) => f.name) };
      },
      // An async system accepts the work (and calls back later); a throwing one is down.
      start: async (work, callback) => {
        this.calls.push({ systemId: system.systemId, op: 'start', work: copy(work), callback });
        const b = behaviour();
        if (b.kind === 'throw') throw b.error();
        return { accepted: true };
      },
    };
    const b = behaviour();
    if (b.kind === 'succeed' && b.verification) {
      const verification = b.verification;
      connector.verify = async (work) => {
        this.calls.push({ systemId: system.systemId, op: 'verify', work: copy(work) });
        return copy(verification);
      };
    }
    return connector;
  };

  executions(systemId?: string) {
    return this.calls.filter((c) => c.op === 'execute' && (!systemId || c.systemId === systemId));
  }
}

/** Records every notice instead of sending it. */
export class FakeOutbox implements Outbox {
  readonly sent: Notification[] = [];
  async send(n: Notification) {
    this.sent.push(copy(n));
  }
  /** The last code sent for a request, if any. */
  codeFor(requestId: string): string | undefined {
    const n = this.sent.filter((m) => m.requestId === requestId && m.notice.kind === 'verification_code').at(-1);
    return n?.notice.kind === 'verification_code' ? n.notice.code : undefined;
  }
  kinds(requestId: string): string[] {
    return this.sent.filter((m) => m.requestId === requestId).map((m) => m.notice.kind);
  }
}

/** Report files in memory, with download "links" that name the key. */
export class FakeReportStore implements ReportStore {
  readonly objects = new Map<string, string>();
  async putSystemData(requestId: string, systemId: string, data: Record<string, unknown>) {
    this.objects.set(`reports/${requestId}/systems/${systemId}.json`, JSON.stringify(data));
  }
  async systemData(requestId: string, systemId: string) {
    const held = this.objects.get(`reports/${requestId}/systems/${systemId}.json`);
    return held ? (JSON.parse(held) as Record<string, unknown>) : undefined;
  }
  async putReport(requestId: string, files: { json: string; csv: string }) {
    const keys = { json: `reports/${requestId}/report.json`, csv: `reports/${requestId}/report.csv` };
    this.objects.set(keys.json, files.json);
    this.objects.set(keys.csv, files.csv);
    return keys;
  }
  async downloadUrl(key: string, seconds: number) {
    return `memory://${key}?expires=${seconds}`;
  }
}

export class FakeChangeVersions implements ChangeVersions {
  readonly applied = new Map<string, { version: number; eventId: string }>();
  async last(ecifId: string) {
    const v = this.applied.get(ecifId);
    return v ? { ...v } : undefined;
  }
  async record(ecifId: string, version: number, eventId: string) {
    const v = this.applied.get(ecifId);
    if (v && v.version >= version) return false;
    this.applied.set(ecifId, { version, eventId });
    return true;
  }
}
