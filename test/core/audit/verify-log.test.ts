/**
 * Verifying the log over a range: chains whole, digests chained and their heads present; retention
 * cuts whole days, and the digest of the last cut day anchors what remains (11 CCR §7101 retention
 * must not break verification).
 */
import { describe, expect, it } from 'vitest';
import { expiry } from '#adapters/dynamodb/audit-log.ts';
import { verifyAuditLog, writeDailyDigest } from '#core/audit/verify-log.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog } from '../../support/fakes.ts';

const actor = { role: 'system' as const, principal: 'test' };

async function twoDays() {
  const clock = fixedClock('2026-03-01T10:00:00.000Z');
  const audit = new FakeAuditLog(clock);
  for (let i = 0; i < 3; i++)
    await audit.append({ stream: 'request:A', actor, action: 'step', target: {}, details: { i } });
  clock.advance(86_400_000);
  for (let i = 3; i < 6; i++)
    await audit.append({ stream: 'request:A', actor, action: 'step', target: {}, details: { i } });
  // Digests are written the day after, and record the heads as each day ended.
  await writeDailyDigest({ audit, clock }, '2026-03-01', actor);
  clock.advance(86_400_000);
  await writeDailyDigest({ audit, clock }, '2026-03-02', actor);
  return { audit, clock };
}

const range = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-04T00:00:00.000Z' };

describe('verifyAuditLog', () => {
  it('an untouched log verifies, chains and digests', async () => {
    const { audit } = await twoDays();
    expect(await verifyAuditLog(audit, { from: '2026-03-01T00:00:00.000Z', to: range.to })).toMatchObject({
      ok: true,
      digests: 2,
    });
    expect((await audit.digests('2026-03-01', '2026-03-01'))[0].heads).toEqual([
      expect.objectContaining({ stream: 'request:A', seq: 3 }),
    ]);
  });

  it("a day cut by retention is anchored by that day's digest: what remains still verifies", async () => {
    const { audit } = await twoDays();
    audit.streams.set(
      'request:A',
      audit.streams.get('request:A')!.filter((e) => e.seq > 3),
    );
    expect(await verifyAuditLog(audit, range)).toMatchObject({ ok: true });
  });

  it('without the digest, the same cut is a gap', async () => {
    const { audit } = await twoDays();
    audit.streams.set(
      'request:A',
      audit.streams.get('request:A')!.filter((e) => e.seq > 3),
    );
    audit.digestItems.delete('2026-03-01');
    expect(await verifyAuditLog(audit, range)).toMatchObject({
      ok: false,
      firstBreak: { stream: 'request:A', seq: 4, problem: 'sequence-gap' },
    });
  });

  it('a cut in the middle of a day is not anchored', async () => {
    const { audit } = await twoDays();
    audit.streams.set(
      'request:A',
      audit.streams.get('request:A')!.filter((e) => e.seq > 4),
    );
    expect(await verifyAuditLog(audit, range)).toMatchObject({
      ok: false,
      firstBreak: { seq: 5, problem: 'sequence-gap' },
    });
  });

  it('a digest edited after the fact breaks its own hash', async () => {
    const { audit } = await twoDays();
    audit.digestItems.get('2026-03-02')!.heads[0].seq = 99;
    expect((await verifyAuditLog(audit, range)).firstBreak).toMatchObject({
      digest: '2026-03-02',
      problem: 'digest-hash-mismatch',
    });
  });
});

describe('writeDailyDigest', () => {
  it('refuses a day that has not ended (422): a digest of an open day would leave its later events unanchored', async () => {
    const clock = fixedClock('2026-03-01T10:00:00.000Z');
    const audit = new FakeAuditLog(clock);
    await audit.append({ stream: 'request:A', actor, action: 'step', target: {}, details: {} });
    for (const day of ['2026-03-01', '2026-03-02']) {
      await expect(writeDailyDigest({ audit, clock }, day, actor)).rejects.toMatchObject({
        kind: 'invalid-input',
        extensions: { field: 'day' },
      });
    }
    expect(await audit.digests('2026-03-01', '2026-03-02')).toEqual([]);
    // Once the day has ended, its digest holds the day's last head.
    await audit.append({ stream: 'request:A', actor, action: 'later', target: {}, details: {} });
    clock.advance(14 * 3_600_000);
    const digest = await writeDailyDigest({ audit, clock }, '2026-03-01', actor);
    expect(digest.heads).toEqual([expect.objectContaining({ stream: 'request:A', seq: 2 })]);
  });
});

describe('retention expiry', () => {
  it.each([
    ['2026-01-01T00:00:00.000Z', '2028-01-02T00:00:00.000Z'],
    ['2026-01-01T23:59:59.999Z', '2028-01-02T00:00:00.000Z'],
    ['2026-01-02T00:00:00.000Z', '2028-01-03T00:00:00.000Z'],
  ])('an event of %s expires with its whole day, at %s (730 days kept)', (at, expected) => {
    expect(expiry(at, 730) * 1000).toBe(Date.parse(expected));
  });
});
