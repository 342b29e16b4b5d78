/**
 * Verifies one day of the audit log, incrementally: each stream written that day is checked from
 * the last event it had before the day (the head the previous day's digest recorded, itself
 * checked when that day was) to its last event of the day, which must be the head this day's
 * digest recorded. So a day costs its own events plus one per stream, never whole streams from
 * their first event, and a range is the chain of its days. Memory holds one stream's page at a
 * time and the day's digest, never a map of hashes: a stream is checked and forgotten.
 */
import { digestHolds, type AuditDigest, type StreamHead } from './digest.ts';
import { genesisHash, verifySealed, type ChainBreak, type SealedEvent } from './event.ts';
import type { AuditLog, DayStream } from './ports.ts';
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

/** The day's streams in a stable order, so a break found first is the same break every run. */
const byStream = (a: DayStream, b: DayStream) => (a.stream < b.stream ? -1 : a.stream > b.stream ? 1 : 0);

export async function verifyDay(log: AuditLog, day: string): Promise<DayVerification> {
  const [digest] = await log.digests(day, day);
  let events = 0;
  const streams = (await log.dayStreams(day)).sort(byStream);
  const result = (firstBreak?: DayBreak): DayVerification => ({
    day,
    ok: !firstBreak,
    events,
    streams: streams.length,
    ...(digest ? { digest: { hash: digest.hash, prevDigestHash: digest.prevDigestHash } } : {}),
    ...(firstBreak ? { firstBreak } : {}),
  });
  const digestBreak = digest && (await checkDigest(log, digest));
  if (digestBreak) return result(digestBreak);
  // The heads the digest recorded, by stream; each is struck off as its stream is checked.
  const heads = new Map<string, StreamHead>(digest?.heads.map((h) => [h.stream, h]));
  for (const s of streams) {
    const checked = await checkStream(log, s, day);
    events += checked.events;
    if (checked.firstBreak) return result(checked.firstBreak);
    if (!digest) continue;
    const head = heads.get(s.stream);
    heads.delete(s.stream);
    const last = checked.last!;
    if (!head || last.seq > head.seq)
      return result({ digest: day, problem: 'head-unrecorded', stream: s.stream, seq: last.seq });
    if (last.seq < head.seq) return result({ digest: day, problem: 'head-missing', stream: s.stream, seq: head.seq });
    if (last.hash !== head.hash)
      return result({ digest: day, problem: 'head-hash-mismatch', stream: s.stream, seq: head.seq });
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
 * One stream's events of the day, chained from the event before the day's first. That event gone
 * (retention cut its day whole) leaves the head a digest recorded at the cut as the anchor, as a
 * whole-log verification does; neither: a gap.
 */
async function checkStream(
  log: AuditLog,
  s: DayStream,
  day: string,
): Promise<{ events: number; last?: { seq: number; hash: string }; firstBreak?: ChainBreak }> {
  let anchor: { seq: number; hash: string } | undefined;
  let events = 0;
  let pending: SealedEvent[] | undefined;
  const pages = log.sealedPages(s.stream, Math.max(1, s.first - 1), s.last)[Symbol.asyncIterator]();
  if (s.first > 1) {
    // The first page starts with the anchor, unless it is gone.
    const first = await pages.next();
    const page = first.done ? [] : first.value;
    const head = page[0] && JSON.parse(page[0].canonical);
    if (head?.seq === s.first - 1 && head.stream === s.stream) {
      // The anchor's own bytes must still hash to its stored hash (the day before checked the rest).
      const brk = verifySealed(s.stream, [page[0]], { seq: s.first - 2, hash: head.prevHash });
      if (brk) return { events, firstBreak: brk };
      anchor = { seq: head.seq, hash: page[0].hash };
      pending = page.slice(1);
    } else {
      anchor = await anchorOf(log, { stream: s.stream, seq: s.first, at: `${day}T00:00:00.000Z` });
      if (!anchor) return { events, firstBreak: { stream: s.stream, seq: s.first, problem: 'sequence-gap' } };
      pending = page;
    }
  }
  let last = anchor;
  for (;;) {
    let page: SealedEvent[];
    if (pending) (page = pending), (pending = undefined);
    else {
      const next = await pages.next();
      if (next.done) break;
      page = next.value;
    }
    if (!page.length) continue;
    const brk = verifySealed(s.stream, page, last);
    if (brk) return { events, firstBreak: brk };
    events += page.length;
    last = { seq: (last?.seq ?? 0) + page.length, hash: page.at(-1)!.hash };
  }
  return { events, last };
}
