/**
 * Verifies an NDJSON export offline, line by line (memory grows with the number of streams, not
 * events). A stream that starts mid-way in the export (the range began after its first event) is
 * anchored on its first exported event's prevHash: what precedes it is outside the export.
 */
import { expectedHash, genesisHash, type AuditEvent } from './event.ts';

export type ExportBreak = { line: number; stream?: string; seq?: number; problem: 'not-json' | 'not-an-event' | 'hash-mismatch' | 'prev-hash-mismatch' | 'sequence-gap' };

export interface ExportVerification {
  ok: boolean;
  events: number;
  streams: number;
  /** Streams whose first exported event is not their first event. */
  anchored: number;
  firstBreak?: ExportBreak;
}

export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>): Promise<ExportVerification> {
  const heads = new Map<string, { seq: number; hash: string }>();
  let events = 0;
  let anchored = 0;
  let line = 0;
  const result = (firstBreak?: ExportBreak): ExportVerification => ({ ok: !firstBreak, events, streams: heads.size, anchored, ...(firstBreak ? { firstBreak } : {}) });
  for await (const text of lines) {
    line++;
    if (text.trim() === '') continue;
    let e: AuditEvent;
    try {
      e = JSON.parse(text);
    } catch {
      return result({ line, problem: 'not-json' });
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
