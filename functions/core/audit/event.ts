/**
 * Audit events are hash-chained per stream: each holds the previous event's hash and its own,
 * SHA-256 over the RFC 8785 canonical JSON of the event without `hash`. Editing, dropping,
 * inserting or reordering an event breaks the chain from that point.
 */
import { createHash } from 'node:crypto';
import type { Actor } from '#core/shared/actor.ts';
import { canonicalJson, canonicalJsonWithout } from './canonical.ts';

export interface AuditTarget {
  requestId?: string;
  ecifId?: string;
  systemId?: string;
}

export interface AuditInput {
  /** A request (`request:<id>`), a subject's consent (`consent:<ecifId>`), `ecif`, `operator`... */
  stream: string;
  actor: Actor;
  action: string;
  target: AuditTarget;
  /** No raw personal data: ids, counts, kinds, reasons. */
  details: Record<string, unknown>;
}

export interface AuditEvent extends AuditInput {
  seq: number;
  at: string;
  prevHash: string;
  hash: string;
}

export const genesisHash = '0'.repeat(64);

const sha256 = (canonical: string | undefined) => {
  if (canonical === undefined) throw new Error('audit event cannot be canonicalized');
  return createHash('sha256').update(canonical).digest('hex');
};

export function hashEvent(event: Omit<AuditEvent, 'hash'>): string {
  return sha256(canonicalJson(event));
}

/** What `hash` should be: hashEvent of the event without it (without copying the event to drop it). */
export function expectedHash(event: AuditEvent): string {
  return sha256(canonicalJsonWithout(event, 'hash'));
}

/**
 * An event as the log stores it: the bytes its hash is over (the RFC 8785 JSON of the event without
 * `hash`), and the hash. A verifier hashes these bytes as they are and reads the chain fields from
 * them, so it never has to canonicalize again: what it parsed is what was hashed.
 */
export interface SealedEvent {
  canonical: string;
  hash: string;
}

/** The event that follows `head` (or starts the stream), with the bytes its hash is over. */
export function sealNext(
  head: Pick<AuditEvent, 'seq' | 'hash'> | undefined,
  input: AuditInput,
  at: string,
): { event: AuditEvent; sealed: SealedEvent } {
  const body = {
    stream: input.stream,
    seq: head ? head.seq + 1 : 1,
    at,
    actor: input.actor,
    action: input.action,
    target: input.target,
    details: input.details,
    prevHash: head ? head.hash : genesisHash,
  };
  const canonical = canonicalJson(body);
  const hash = sha256(canonical);
  return { event: { ...body, hash }, sealed: { canonical: canonical!, hash } };
}

/** The event that follows `head` (or starts the stream). */
export function chainNext(
  head: Pick<AuditEvent, 'seq' | 'hash'> | undefined,
  input: AuditInput,
  at: string,
): AuditEvent {
  return sealNext(head, input, at).event;
}

/** The event a sealed one holds. */
export function openSealed(sealed: SealedEvent): AuditEvent {
  return { ...(JSON.parse(sealed.canonical) as Omit<AuditEvent, 'hash'>), hash: sealed.hash };
}

export interface ChainBreak {
  stream: string;
  seq: number;
  problem: 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'misplaced';
}

/**
 * Checks one stream's events in seq order; the first break found, if any. A stream whose oldest
 * events expired (retention) starts after seq 1: `anchor` is the head a digest recorded at the cut.
 */
export function verifyChain(events: AuditEvent[], anchor?: Pick<AuditEvent, 'seq' | 'hash'>): ChainBreak | undefined {
  let prev: Pick<AuditEvent, 'seq' | 'hash'> | undefined = anchor;
  for (const e of events) {
    if (e.seq !== (prev ? prev.seq + 1 : 1)) return { stream: e.stream, seq: e.seq, problem: 'sequence-gap' };
    if (e.prevHash !== (prev ? prev.hash : genesisHash))
      return { stream: e.stream, seq: e.seq, problem: 'prev-hash-mismatch' };
    if (expectedHash(e) !== e.hash) return { stream: e.stream, seq: e.seq, problem: 'hash-mismatch' };
    prev = e;
  }
  return undefined;
}

/**
 * verifyChain over one stream as stored: each event's hash recomputed over its stored bytes, its
 * chain fields read from those same bytes. An event whose bytes name another stream was moved
 * (`misplaced`); bytes that are not JSON were edited (`hash-mismatch`). Keeps nothing it parsed: on
 * success the stored hashes are the chain (the event at seq `first + i` has `sealed[i].hash`).
 */
export function verifySealed(
  stream: string,
  sealed: readonly SealedEvent[],
  anchor?: Pick<AuditEvent, 'seq' | 'hash'>,
): ChainBreak | undefined {
  let seq = anchor ? anchor.seq : 0;
  let prevHash = anchor ? anchor.hash : genesisHash;
  for (const s of sealed) {
    seq++;
    let e: Omit<AuditEvent, 'hash'>;
    try {
      e = JSON.parse(s.canonical);
    } catch {
      return { stream, seq, problem: 'hash-mismatch' };
    }
    if (e === null || typeof e !== 'object') return { stream, seq, problem: 'hash-mismatch' };
    if (e.stream !== stream) return { stream, seq, problem: 'misplaced' };
    if (e.seq !== seq) return { stream, seq: e.seq, problem: 'sequence-gap' };
    if (e.prevHash !== prevHash) return { stream, seq, problem: 'prev-hash-mismatch' };
    if (sha256(s.canonical) !== s.hash) return { stream, seq, problem: 'hash-mismatch' };
    prevHash = s.hash;
  }
  return undefined;
}
