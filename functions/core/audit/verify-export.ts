/**
 * Verifies an NDJSON export offline, line by line (memory grows with the number of streams, not
 * events). A stream that starts mid-way in the export (the range began after its first event) is
 * anchored on its first exported event's prevHash: what precedes it is outside the export.
 *
 * A line as the export writes it is hashed as it stands, less its hash member (export-line.ts): if
 * those bytes hash to the line's hash they are the bytes that were sealed, so the fields parsed from
 * the line are the sealed ones. Any other line (reformatted, or from another tool) is canonicalized.
 *
 * The route's exports end with a trailer line that counts their events: `complete` says it was
 * there and agreed; an export without one (cut short, or written by an older tool) still has its
 * chains checked, but nothing proves it holds every event of its range.
 */
import { createHash } from 'node:crypto';
import { expectedHash, genesisHash, type AuditEvent } from './event.ts';
import { hashMemberOf } from './export-line.ts';
import { isExportTrailer, type ExportTrailer } from './export-stream.ts';

function hashHolds(line: string, e: AuditEvent): boolean {
  const member = hashMemberOf(line, e.hash);
  // The two sides of the hash member hashed in turn: no joined copy of the line.
  if (
    member &&
    createHash('sha256').update(line.slice(0, member.start)).update(line.slice(member.end)).digest('hex') === e.hash
  )
    return true;
  return expectedHash(e) === e.hash;
}

export type ExportBreak = {
  line: number;
  stream?: string;
  seq?: number;
  problem:
    | 'not-json'
    | 'not-an-event'
    | 'hash-mismatch'
    | 'prev-hash-mismatch'
    | 'sequence-gap'
    | 'count-mismatch'
    | 'after-trailer';
};

export interface ExportVerification {
  ok: boolean;
  events: number;
  streams: number;
  /** Streams whose first exported event is not their first event. */
  anchored: number;
  /** The export ended with its trailer and the trailer's count is the number of events read. */
  complete: boolean;
  /** The range the trailer says the export covers. */
  range?: { from: string; to: string };
  firstBreak?: ExportBreak;
}

export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>): Promise<ExportVerification> {
  const heads = new Map<string, { seq: number; hash: string }>();
  let events = 0;
  let anchored = 0;
  let line = 0;
  let trailer: ExportTrailer | undefined;
  const result = (firstBreak?: ExportBreak): ExportVerification => ({
    ok: !firstBreak,
    events,
    streams: heads.size,
    anchored,
    complete: !firstBreak && trailer !== undefined,
    ...(trailer ? { range: { from: trailer.from, to: trailer.to } } : {}),
    ...(firstBreak ? { firstBreak } : {}),
  });

  const at = (e: AuditEvent, problem: ExportBreak['problem']): ExportBreak => ({
    line,
    stream: e.stream,
    seq: e.seq,
    problem,
  });

  /** The break on this line, if any. */
  function check(text: string): ExportBreak | undefined {
    line++;
    // 123 is `{`: only a line that does not start an object can be blank.
    if (text.charCodeAt(0) !== 123 && text.trim() === '') return undefined;
    let e: AuditEvent;
    try {
      e = JSON.parse(text);
    } catch {
      return { line, problem: 'not-json' };
    }
    // Nothing may follow the trailer: appended lines would ride on its count.
    if (trailer) return { line, problem: 'after-trailer' };
    if (isExportTrailer(e)) {
      trailer = e;
      return e.events !== events ? { line, problem: 'count-mismatch' } : undefined;
    }
    if (
      typeof e?.stream !== 'string' ||
      typeof e.seq !== 'number' ||
      typeof e.hash !== 'string' ||
      typeof e.prevHash !== 'string'
    ) {
      return { line, problem: 'not-an-event' };
    }
    if (!hashHolds(text, e)) return at(e, 'hash-mismatch');
    const head = heads.get(e.stream);
    if (head) {
      if (e.seq !== head.seq + 1) return at(e, 'sequence-gap');
      if (e.prevHash !== head.hash) return at(e, 'prev-hash-mismatch');
      head.seq = e.seq;
      head.hash = e.hash;
    } else {
      if (e.seq === 1 && e.prevHash !== genesisHash) return at(e, 'prev-hash-mismatch');
      if (e.seq !== 1) anchored++;
      heads.set(e.stream, { seq: e.seq, hash: e.hash });
    }
    events++;
    return undefined;
  }

  // Lines in memory are checked without a turn of the event loop each; a file's as they are read.
  if (Symbol.asyncIterator in lines) {
    for await (const text of lines) {
      const brk = check(text);
      if (brk) return result(brk);
    }
  } else {
    for (const text of lines) {
      const brk = check(text);
      if (brk) return result(brk);
    }
  }
  return result();
}
