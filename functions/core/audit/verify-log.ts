/**
 * Verifies the audit log over a time range: every stream with events in the range is checked whole
 * (from its first event: a chain is only as good as its start), then every digest of the range:
 * its own hash, its link to the previous digest, and that each head it recorded is still there
 * with the same hash (which catches events cut off the end of a stream).
 */
import type { Clock } from '#core/shared/clock.ts';
import { InvalidInputError } from '#core/shared/errors.ts';
import type { Actor } from '#core/shared/actor.ts';
import { buildDigest, digestHolds, headOf } from './digest.ts';
import { genesisHash, openSealed, verifySealed, type ChainBreak, type SealedEvent } from './event.ts';
import type { AuditLog, AuditRange, AuditSigner } from './ports.ts';

export type AuditBreak =
  | ChainBreak
  | {
      digest: string;
      problem: 'digest-hash-mismatch' | 'digest-chain-broken' | 'head-missing' | 'head-hash-mismatch';
      stream?: string;
      seq?: number;
    };

export interface AuditVerification {
  ok: boolean;
  checked: number;
  streams: number;
  digests: number;
  firstBreak?: AuditBreak;
}

export const dayOf = (iso: string) => iso.slice(0, 10);

export async function verifyAuditLog(log: AuditLog, range: AuditRange): Promise<AuditVerification> {
  let checked = 0;
  const streams = await log.streamsIn(range);
  // Per stream: the seq of its first stored event and every stored hash, in order (the digests' heads are checked against them).
  const hashes = new Map<string, { first: number; hashes: string[] }>();
  const chainOf = (sealed: SealedEvent[]) => {
    const oldest = sealed[0] && openSealed(sealed[0]);
    return { oldest, first: oldest?.seq ?? 1, hashes: sealed.map((s) => s.hash) };
  };
  for (const stream of streams.sort()) {
    const sealed = await log.sealed(stream);
    const chain = chainOf(sealed);
    // A stream cut by retention starts after seq 1: the digest of the cut anchors it.
    const anchor = chain.oldest && chain.first > 1 ? await anchorOf(log, chain.oldest) : undefined;
    checked += sealed.length;
    const firstBreak = verifySealed(stream, sealed, anchor);
    if (firstBreak) return { ok: false, checked, streams: streams.length, digests: 0, firstBreak };
    hashes.set(stream, chain);
  }
  const digests = await log.digests(dayOf(range.from), dayOf(range.to));
  let previous = digests.length ? await log.latestDigestBefore(digests[0].day) : undefined;
  for (const d of digests) {
    if (!digestHolds(d)) return fail(d.day, 'digest-hash-mismatch');
    if (d.prevDigestHash !== (previous?.hash ?? genesisHash)) return fail(d.day, 'digest-chain-broken');
    for (const head of d.heads) {
      let chain = hashes.get(head.stream);
      if (!chain) hashes.set(head.stream, (chain = chainOf(await log.sealed(head.stream))));
      const hash = chain.hashes[head.seq - chain.first];
      if (hash === undefined) return fail(d.day, 'head-missing', head.stream, head.seq);
      if (hash !== head.hash) return fail(d.day, 'head-hash-mismatch', head.stream, head.seq);
    }
    previous = d;
  }
  return { ok: true, checked, streams: streams.length, digests: digests.length };

  function fail(
    digest: string,
    problem: Extract<AuditBreak, { digest: string }>['problem'],
    stream?: string,
    seq?: number,
  ): AuditVerification {
    return {
      ok: false,
      checked,
      streams: streams.length,
      digests: digests.length,
      firstBreak: { digest, problem, ...(stream ? { stream, seq } : {}) },
    };
  }
}

/**
 * Where retention cut a stream (its oldest events expired, a whole day at a time), the digest of the
 * last expired day recorded the head the remaining events chain from. No such head: a real gap.
 */
export async function anchorOf(log: AuditLog, first: { stream: string; seq: number; at: string }) {
  const before = await log.digests('0000-01-01', dayOf(new Date(Date.parse(first.at) - 86_400_000).toISOString()));
  for (const d of before.reverse()) {
    const head = d.heads.find((h) => h.stream === first.stream);
    if (head) return head.seq === first.seq - 1 ? head : undefined;
  }
  return undefined;
}

/**
 * Writes the digest of one day that has ended (idempotent: the same day twice gives the same heads,
 * one item). A day still open is refused: its digest would be final (write-once) while the day's
 * later events, never anchored, could be cut off its streams unseen.
 */
export async function writeDailyDigest(
  deps: { audit: AuditLog; clock: Clock; auditSigner?: AuditSigner },
  day: string,
  actor: Actor,
) {
  const next = new Date(Date.parse(`${day}T00:00:00.000Z`) + 86_400_000).toISOString();
  if (!(next <= deps.clock.now().toISOString()))
    throw new InvalidInputError('a digest is written once its day has ended (UTC)', { field: 'day' });
  const [existing] = await deps.audit.digests(day, day);
  if (existing) return existing;
  const streams = await deps.audit.streamsIn({ from: `${day}T00:00:00.000Z`, to: next });
  const heads = [];
  for (const stream of streams) {
    // The head as the day ended: later events belong to later digests.
    const head = headOf((await deps.audit.stream(stream)).filter((e) => e.at < next));
    if (head) heads.push(head);
  }
  const built = buildDigest(day, deps.clock.now().toISOString(), heads, await deps.audit.latestDigestBefore(day));
  // Signed over its hash: someone who can write the table but not use the key cannot forge one.
  const digest = deps.auditSigner ? { ...built, signature: await deps.auditSigner.sign(built.hash) } : built;
  await deps.audit.putDigest(digest);
  await deps.audit.append({
    stream: 'audit-digests',
    actor,
    action: 'audit.digest_written',
    target: {},
    details: { day, streams: heads.length, hash: digest.hash },
  });
  return digest;
}
