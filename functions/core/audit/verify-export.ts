/**
 * Verifies an NDJSON export offline, line by line (memory grows with the number of streams, not
 * events). A stream that starts mid-way in the export (the range began after its first event) is
 * anchored on its first exported event's prevHash: what precedes it is outside the export.
 * The route's exports end with a trailer line that counts their events: `complete` says it was
 * there and agreed; an export without one (cut short, or written by an older tool) still has its
 * chains checked, but nothing proves it holds every event of its range.
 */
import { expectedHash, genesisHash, type AuditEvent } from './event.ts';
import { isExportTrailer, type ExportTrailer } from './export-stream.ts';

export type ExportBreak = {
  line: number;
  stream?: string;
  seq?: number;
  problem: 'not-json' | 'not-an-event' | 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' | 'count-mismatch' | 'after-trailer';
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
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let e: AuditEvent;
    try {
      e = JSON.parse(text);
    } catch {
      return result({ line, problem: 'not-json' });
    }
    // Nothing may follow the trailer: appended lines would ride on its count.
    if (trailer) return result({ line, problem: 'after-trailer' });
    if (isExportTrailer(e)) {
      trailer = e;
      if (e.events !== events) return result({ line, problem: 'count-mismatch' });
      continue;
    }
    if (typeof e?.stream !== 'string' || typeof e.seq !== 'number' || typeof e.hash !== 'string' || typeof e.prevHash !== 'string') {
      return result({ line, problem: 'not-an-event' });
    }
    const hash = e.hash;
    const at = { line, stream: e.stream, seq: e.seq };
    // Canonicalized from the parsed line as it is: no copy to drop `hash`.
    if (expectedHash(e) !== hash) return result({ ...at, problem: 'hash-mismatch' });
    const head = heads.get(e.stream);
    if (head) {
      if (e.seq !== head.seq + 1) return result({ ...at, problem: 'sequence-gap' });
      if (e.prevHash !== head.hash) return result({ ...at, problem: 'prev-hash-mismatch' });
    } else if (e.seq === 1) {
      if (e.prevHash !== genesisHash) return result({ ...at, problem: 'prev-hash-mismatch' });
    } else {
      anchored++;
    }
    heads.set(e.stream, { seq: e.seq, hash });
    events++;
  }
  return result();
}
