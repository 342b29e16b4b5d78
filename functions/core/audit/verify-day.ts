/**
 * Verifies one day of the audit log, incrementally: the day's events are read once from the day
 * index, in time order, and each stream's events of the day are chained from the last event it
 * had before the day (its head in the digest of that event's day, checked when that day was), up
 * to its last event of the day, which must be the head this day's digest recorded. So a day costs
 * its own events (pages of the index) plus one batched read per hundred streams for their anchors,
 * never whole streams from their first event; a range is the chain of its days. Memory holds one
 * page and one head per stream of the day: never a map of every hash.
 */
import { createHash } from 'node:crypto';
import type { AuditDigest, StreamHead } from './digest.ts';
import { digestHolds } from './digest.ts';
import { genesisHash, type ChainBreak } from './event.ts';
import type { AuditLog, StoredEvent } from './ports.ts';
import { anchorOf } from './verify-log.ts';

export type DigestProblem =
  | 'digest-hash-mismatch'
  | 'digest-chain-broken'
  | 'head-missing'
  | 'head-hash-mismatch'
  /** Events of the day after the head its digest recorded (or of a stream it does not name): written behind the digest's back. */
  | 'head-unrecorded';

export type DayBreak = ChainBreak | { digest: string; problem: DigestProblem; stream?: string; seq?: number };

export interface DayVerification {
  day: string;
  ok: boolean;
  /** Events of the day checked (anchors not counted). */
  events: number;
  streams: number;
  /** The day's digest as checked (its hash and the one it chains to); absent: the day has none yet. */
  digest?: { hash: string; prevDigestHash: string };
  firstBreak?: DayBreak;
}

/** Per stream of the day: where it started (its first seq, the hash that first event chains to) and its head so far. */
interface Running {
  first: number;
  firstPrev: string;
  seq: number;
  hash: string;
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The chain fields of a stored event, read from the bytes its hash is over; a break when they are not an event of its key. */
function open(s: StoredEvent): { seq: number; prevHash: string } | ChainBreak {
  let e: { stream?: unknown; seq?: unknown; prevHash?: unknown };
  try {
    e = JSON.parse(s.canonical);
  } catch {
    return { stream: s.stream, seq: s.seq, problem: 'hash-mismatch' };
  }
  if (e === null || typeof e !== 'object') return { stream: s.stream, seq: s.seq, problem: 'hash-mismatch' };
  // Bytes moved to another key (another stream, another seq): they are not the event stored there.
  if (e.stream !== s.stream || e.seq !== s.seq) return { stream: s.stream, seq: s.seq, problem: 'misplaced' };
  if (sha256(s.canonical) !== s.hash) return { stream: s.stream, seq: s.seq, problem: 'hash-mismatch' };
  return { seq: s.seq, prevHash: String(e.prevHash) };
}

const isBreak = (v: object): v is ChainBreak => 'problem' in v;

export async function verifyDay(log: AuditLog, day: string): Promise<DayVerification> {
  const [digest] = await log.digests(day, day);
  let events = 0;
  const running = new Map<string, Running>();
  const result = (firstBreak?: DayBreak): DayVerification => ({
    day,
    ok: !firstBreak,
    events,
    streams: running.size,
    ...(digest ? { digest: { hash: digest.hash, prevDigestHash: digest.prevDigestHash } } : {}),
    ...(firstBreak ? { firstBreak } : {}),
  });
  const digestBreak = digest && (await checkDigest(log, digest));
  if (digestBreak) return result(digestBreak);

  for await (const page of log.dayEvents(day)) {
    for (const stored of page) {
      const e = open(stored);
      if (isBreak(e)) return result(e);
      const r = running.get(stored.stream);
      if (!r) running.set(stored.stream, { first: e.seq, firstPrev: e.prevHash, seq: e.seq, hash: stored.hash });
      else {
        if (e.seq !== r.seq + 1) return result({ stream: stored.stream, seq: e.seq, problem: 'sequence-gap' });
        if (e.prevHash !== r.hash) return result({ stream: stored.stream, seq: e.seq, problem: 'prev-hash-mismatch' });
        r.seq = e.seq;
        r.hash = stored.hash;
      }
      events++;
    }
  }

  const anchorBreak = await checkAnchors(log, day, running);
  if (anchorBreak) return result(anchorBreak);
  if (!digest) return result();
  // The heads the digest recorded, by stream; each is struck off as its stream is compared.
  const heads = new Map<string, StreamHead>(digest.heads.map((h) => [h.stream, h]));
  for (const [stream, r] of [...running].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const head = heads.get(stream);
    heads.delete(stream);
    if (!head || r.seq > head.seq) return result({ digest: day, problem: 'head-unrecorded', stream, seq: r.seq });
    if (r.seq < head.seq) return result({ digest: day, problem: 'head-missing', stream, seq: head.seq });
    if (r.hash !== head.hash) return result({ digest: day, problem: 'head-hash-mismatch', stream, seq: head.seq });
  }
  // A head whose stream has no event left that day: the day's events of that stream were removed.
  for (const head of heads.values())
    return result({ digest: day, problem: 'head-missing', stream: head.stream, seq: head.seq });
  return result();
}

/** The digest's own hash, and its link to the digest before it. */
async function checkDigest(log: AuditLog, digest: AuditDigest): Promise<DayBreak | undefined> {
  if (!digestHolds(digest)) return { digest: digest.day, problem: 'digest-hash-mismatch' };
  const previous = await log.latestDigestBefore(digest.day);
  if (digest.prevDigestHash !== (previous?.hash ?? genesisHash))
    return { digest: digest.day, problem: 'digest-chain-broken' };
  return undefined;
}

/**
 * Each stream's first event of the day chains to the event before it (read in batches): intact
 * (its bytes hash to its hash, at its key) and the hash the first event names. That event gone
 * (retention cut its day whole) leaves the head a digest recorded at the cut as the anchor, as a
 * whole-log verification does; neither: a gap. A stream starting at seq 1 chains to genesis.
 */
async function checkAnchors(log: AuditLog, day: string, running: Map<string, Running>): Promise<DayBreak | undefined> {
  const wanted: { stream: string; seq: number }[] = [];
  const sorted = [...running].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [stream, r] of sorted) {
    if (r.first === 1) {
      if (r.firstPrev !== genesisHash) return { stream, seq: 1, problem: 'prev-hash-mismatch' };
    } else wanted.push({ stream, seq: r.first - 1 });
  }
  for (let i = 0; i < wanted.length; i += 100) {
    const batch = wanted.slice(i, i + 100);
    const found = new Map((await log.eventsAt(batch)).map((s) => [s.stream, s]));
    for (const key of batch) {
      const r = running.get(key.stream)!;
      const stored = found.get(key.stream);
      let anchor: { seq: number; hash: string } | undefined;
      if (stored) {
        const e = open(stored);
        if (isBreak(e)) return e;
        anchor = { seq: e.seq, hash: stored.hash };
      } else anchor = await anchorOf(log, { stream: key.stream, seq: r.first, at: `${day}T00:00:00.000Z` });
      if (!anchor) return { stream: key.stream, seq: r.first, problem: 'sequence-gap' };
      if (anchor.hash !== r.firstPrev) return { stream: key.stream, seq: r.first, problem: 'prev-hash-mismatch' };
    }
  }
  return undefined;
}
