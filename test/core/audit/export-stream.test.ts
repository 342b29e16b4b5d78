/**
 * The export as chunks, page by page, and its trailer: what the route streams and what the offline
 * verifier checks. A cut-short export (no trailer, or a count that disagrees) is not `complete`.
 */
import { describe, expect, it } from 'vitest';
import { exportChunks, csvColumns } from '#core/audit/export-stream.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog } from '../../support/fakes.ts';

const actor = { role: 'system' as const, principal: 'test' };
const range = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-02T00:00:00.000Z' };

async function log(n: number) {
  const clock = fixedClock('2026-03-01T10:00:00.000Z');
  const audit = new FakeAuditLog(clock);
  for (let i = 0; i < n; i++) {
    await audit.append({
      stream: `request:${i % 3}`,
      actor,
      action: 'step',
      target: {},
      details: { i, note: 'a "quoted", two-line\nvalue' },
    });
    clock.advance(1000);
  }
  return audit;
}

async function chunks(n: number, format: 'ndjson' | 'csv', pageSize: number) {
  const audit = await log(n);
  const reads: number[] = [];
  const out: string[] = [];
  for await (const c of exportChunks(
    async (page) => {
      const p = await audit.events(range, {}, page);
      reads.push(p.items.length);
      return p;
    },
    range,
    format,
    pageSize,
  ))
    out.push(c);
  return { out, reads };
}

describe('exportChunks', () => {
  it('NDJSON: one chunk per page, every event once, then the trailer; the verifier finds it complete', async () => {
    const { out, reads } = await chunks(25, 'ndjson', 10);
    expect(reads).toEqual([10, 10, 5]);
    expect(out).toHaveLength(4);
    const lines = out.join('').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(JSON.parse(lines.at(-2)!)).toEqual({ export: 'end', events: 25, ...range });
    expect(await verifyExport(lines)).toEqual({ ok: true, events: 25, streams: 3, anchored: 0, complete: true, range });
  });

  it('an empty range is just the trailer, and verifies complete with no events', async () => {
    const { out } = await chunks(0, 'ndjson', 10);
    expect(out).toEqual([`${JSON.stringify({ export: 'end', events: 0, ...range })}\n`]);
    expect(await verifyExport(out.join('').split('\n'))).toMatchObject({ ok: true, events: 0, complete: true });
  });

  it('CSV: the header, then the chain fields per row, quoted where needed; no trailer', async () => {
    const { out, reads } = await chunks(4, 'csv', 3);
    // The header rides with the first page: the first chunk has read the store.
    expect(reads).toEqual([3, 1]);
    expect(out).toHaveLength(2);
    expect(out[0].startsWith(`${csvColumns.join(',')}\nrequest:0,1,`)).toBe(true);
    expect((await chunks(0, 'csv', 3)).out).toEqual([`${csvColumns.join(',')}\n`]);
    const text = out.join('');
    expect(text.startsWith('stream,seq,at,actor,action,target,details,prevHash,hash\n')).toBe(true);
    expect(text).toContain('request:0,1,2026-03-01T10:00:00.000Z,');
    expect(text).toContain('"{""i"":0,""note"":""a \\""quoted\\"", two-line\\nvalue""}"');
    expect(text).not.toContain('"export"');
  });
});

describe('verifyExport and the trailer', () => {
  const lines = async () => (await chunks(12, 'ndjson', 5)).out.join('').trim().split('\n');

  it('cut short before the trailer: chains hold, but not complete', async () => {
    const cut = (await lines()).slice(0, 10);
    expect(await verifyExport(cut)).toMatchObject({ ok: true, events: 10, complete: false });
    expect((await verifyExport(cut)).range).toBeUndefined();
  });

  it('a trailer whose count disagrees (whole lines dropped at the end of a stream) is a break', async () => {
    const all = await lines();
    const dropped = [...all.slice(0, 10), all.at(-1)!];
    expect(await verifyExport(dropped)).toMatchObject({
      ok: false,
      complete: false,
      firstBreak: { line: 11, problem: 'count-mismatch' },
    });
  });

  it('anything after the trailer is a break', async () => {
    const all = await lines();
    expect(await verifyExport([...all, all[0]])).toMatchObject({
      ok: false,
      complete: false,
      firstBreak: { line: 14, problem: 'after-trailer' },
    });
  });
});
