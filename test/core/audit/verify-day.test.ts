/**
 * One day verified on its own: its streams chained from the event before the day (checked when its
 * own day was), its last events equal to the heads its digest recorded, the digest chained.
 */
import { describe, expect, it } from 'vitest';
import { verifyDay } from '#core/audit/verify-day.ts';
import { writeDailyDigest } from '#core/audit/verify-log.ts';
import { chainNext } from '#core/audit/event.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog } from '../../support/fakes.ts';

const actor = { role: 'system' as const, principal: 'test' };
const days = ['2026-03-01', '2026-03-02', '2026-03-03'];

/** Three days: `request:A` written each day (seq 1-3, 4-6, 7-9), `request:B` on the first only; each day digested once ended. */
async function threeDays() {
  const clock = fixedClock('2026-03-01T10:00:00.000Z');
  const audit = new FakeAuditLog(clock);
  for (let d = 0; d < 3; d++) {
    for (let i = 0; i < 3; i++)
      await audit.append({ stream: 'request:A', actor, action: 'step', target: {}, details: { d, i } });
    if (d === 0) await audit.append({ stream: 'request:B', actor, action: 'step', target: {}, details: {} });
    clock.advance(86_400_000);
    await writeDailyDigest({ audit, clock }, days[d], actor);
  }
  return { audit, clock, a: audit.streams.get('request:A')! };
}

describe('verifyDay', () => {
  it('an untouched day verifies from the previous day’s last event, not from the stream’s first', async () => {
    const { audit } = await threeDays();
    const anchors: { stream: string; seq: number }[] = [];
    const eventsAt = audit.eventsAt.bind(audit);
    audit.eventsAt = (keys) => (anchors.push(...keys), eventsAt(keys));
    const day2 = await verifyDay(audit, '2026-03-02');
    // request:A's three, and the digest job's own record of writing day 1's digest (stream audit-digests).
    expect(day2).toMatchObject({ day: '2026-03-02', ok: true, events: 4, streams: 2 });
    expect(day2.digest?.hash).toBe((await audit.digests('2026-03-02', '2026-03-02'))[0].hash);
    // Day 2 of request:A is seq 4-6: chained from its anchor, seq 3 (audit-digests starts that day, at 1).
    expect(anchors).toEqual([{ stream: 'request:A', seq: 3 }]);
    expect(await verifyDay(audit, '2026-03-01')).toMatchObject({ ok: true, events: 4, streams: 2 });
  });

  it('an edited event breaks its own day only', async () => {
    const { audit, a } = await threeDays();
    a[4].action = 'forged';
    expect(await verifyDay(audit, '2026-03-02')).toMatchObject({
      ok: false,
      firstBreak: { stream: 'request:A', seq: 5, problem: 'hash-mismatch' },
    });
    expect((await verifyDay(audit, '2026-03-01')).ok).toBe(true);
  });

  it('the last events of a day cut off → the digest names the missing head', async () => {
    const { audit, a } = await threeDays();
    a.splice(2, 1);
    expect(await verifyDay(audit, '2026-03-01')).toMatchObject({
      ok: false,
      firstBreak: { digest: '2026-03-01', problem: 'head-missing', stream: 'request:A', seq: 3 },
    });
  });

  it("every event of a stream's day removed → head-missing", async () => {
    const { audit } = await threeDays();
    audit.streams.delete('request:B');
    expect((await verifyDay(audit, '2026-03-01')).firstBreak).toMatchObject({
      problem: 'head-missing',
      stream: 'request:B',
      seq: 1,
    });
  });

  it('an event slipped into an ended day after its digest → head-unrecorded', async () => {
    const { audit } = await threeDays();
    const b = audit.streams.get('request:B')!;
    b.push(
      chainNext(
        b[0],
        { stream: 'request:B', actor, action: 'late', target: {}, details: {} },
        '2026-03-01T23:59:00.000Z',
      ),
    );
    expect((await verifyDay(audit, '2026-03-01')).firstBreak).toMatchObject({
      problem: 'head-unrecorded',
      stream: 'request:B',
      seq: 2,
    });
  });

  it("the first event of a day removed → a gap after the previous day's head", async () => {
    const { audit, a } = await threeDays();
    a.splice(3, 1);
    expect((await verifyDay(audit, '2026-03-02')).firstBreak).toMatchObject({
      stream: 'request:A',
      seq: 5,
      problem: 'sequence-gap',
    });
  });

  it('a digest edited breaks its hash; one rewritten whole breaks the chain of the next day', async () => {
    const { audit } = await threeDays();
    const d2 = audit.digestItems.get('2026-03-02')!;
    d2.heads[0].seq = 99;
    expect((await verifyDay(audit, '2026-03-02')).firstBreak).toMatchObject({
      digest: '2026-03-02',
      problem: 'digest-hash-mismatch',
    });
    d2.hash = 'f'.repeat(64);
    expect((await verifyDay(audit, '2026-03-03')).firstBreak).toMatchObject({
      digest: '2026-03-03',
      problem: 'digest-chain-broken',
    });
  });

  it("a day cut by retention anchors the next on its digest's head; a cut inside a day is a gap", async () => {
    const { audit, a } = await threeDays();
    a.splice(0, 3);
    audit.streams.delete('request:B');
    expect(await verifyDay(audit, '2026-03-02')).toMatchObject({ ok: true, events: 4 });
    a.splice(0, 1);
    expect((await verifyDay(audit, '2026-03-02')).firstBreak).toMatchObject({ seq: 5, problem: 'sequence-gap' });
  });

  it('a day without a digest yet (today) has its chains checked and says so', async () => {
    const { audit, clock } = await threeDays();
    await audit.append({ stream: 'request:A', actor, action: 'today', target: {}, details: {} });
    const today = clock.now().toISOString().slice(0, 10);
    const result = await verifyDay(audit, today);
    expect(result).toMatchObject({ ok: true, events: 2 });
    expect(result.digest).toBeUndefined();
  });
});
