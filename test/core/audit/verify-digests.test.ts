/**
 * Digests checked offline with the public key alone: a digest forged by someone who can write the
 * table but not use the key (heads rewritten, hash and chain recomputed) fails its signature; an
 * export missing the last events a digest recorded fails its heads.
 */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalAuditSigner } from '#adapters/kms/local-audit-signer.ts';
import { buildDigest } from '#core/audit/digest.ts';
import { exportLine } from '#core/audit/export-line.ts';
import { DigestChecker } from '#core/audit/verify-digests.ts';
import { writeDailyDigest } from '#core/audit/verify-log.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog } from '../../support/fakes.ts';

const actor = { role: 'system' as const, principal: 'test' };
const pem = () =>
  generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;

async function twoSignedDays() {
  const clock = fixedClock('2026-03-01T10:00:00.000Z');
  const audit = new FakeAuditLog(clock);
  const auditSigner = new LocalAuditSigner(pem());
  for (const day of ['2026-03-01', '2026-03-02']) {
    for (let i = 0; i < 3; i++)
      await audit.append({ stream: 'request:A', actor, action: 'step', target: {}, details: { i } });
    clock.advance(86_400_000);
    await writeDailyDigest({ audit, clock, auditSigner }, day, actor);
  }
  const digests = await audit.digests('2026-03-01', '2026-03-02');
  const events = (await audit.events({ from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' }, {})).items;
  return { digests, events, keys: await auditSigner.publicKeys() };
}
const range = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-03T00:00:00.000Z' };

function check(checker: DigestChecker, events: { stream: string; seq: number; hash: string }[]) {
  for (const e of events) if (checker.see(JSON.parse(exportLine(e as never)))) break;
  return checker.end(range);
}

describe('DigestChecker', () => {
  it('signed, chained digests and an export holding every head they recorded verify', async () => {
    const { digests, events, keys } = await twoSignedDays();
    expect(check(new DigestChecker(digests, keys), events)).toEqual({ ok: true, digests: 2, signed: 2, heads: 3 });
  });

  it('a digest forged without the key (heads, hash and chain rewritten) fails its signature', async () => {
    const { digests, events, keys } = await twoSignedDays();
    // Hides the last event of day 2 (request:A seq 6): a digest recording seq 5 as its head, well formed and chained.
    const { signature, ...body } = digests[1];
    const five = events.find((e) => e.stream === 'request:A' && e.seq === 5)!;
    const heads = body.heads.map((h) => (h.stream === 'request:A' ? { ...h, seq: 5, hash: five.hash } : h));
    const forged = { ...buildDigest(body.day, body.at, heads, digests[0]), signature };
    const cut = events.filter((e) => !(e.stream === 'request:A' && e.seq === 6));
    const result = check(new DigestChecker([digests[0], forged], keys), cut);
    expect(result).toMatchObject({ ok: false, firstBreak: { day: '2026-03-02', problem: 'signature-invalid' } });
    // Without the keys, the forgery would pass: the signature is what catches it.
    expect(check(new DigestChecker([digests[0], forged]), cut).ok).toBe(true);
  });

  it('an unsigned digest fails when keys are given; another key fails the signature', async () => {
    const { digests, events } = await twoSignedDays();
    const { signature: _s, ...unsigned } = digests[0];
    const other = await new LocalAuditSigner(pem()).publicKeys();
    expect(check(new DigestChecker([unsigned, digests[1]], other), events).firstBreak).toMatchObject({
      problem: 'signature-missing',
    });
    expect(check(new DigestChecker(digests, other), events).firstBreak).toMatchObject({ problem: 'signature-invalid' });
  });

  it('an export without the last event of a day fails the head the digest recorded', async () => {
    const { digests, events, keys } = await twoSignedDays();
    expect(
      check(
        new DigestChecker(digests, keys),
        events.filter((e) => e.seq !== 6),
      ).firstBreak,
    ).toEqual({
      day: '2026-03-02',
      problem: 'head-missing',
      stream: 'request:A',
      seq: 6,
    });
  });
});
