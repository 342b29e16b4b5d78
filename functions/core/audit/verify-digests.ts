/**
 * The daily digests checked offline, as `aws cloudtrail validate-logs` checks its digest files:
 * each one's hash over its body, its link to the digest before it, and its signature by the audit
 * key (only the public key is needed: GET /v1/audit/keys). Then, against an export of the same
 * days, every head a digest recorded must be in the export with the same hash: a digest forged by
 * someone who can write the table but not use the key fails its signature; events cut off the end
 * of a stream fail the heads.
 */
import type { AuditDigest } from './digest.ts';
import { digestHolds } from './digest.ts';
import type { AuditEvent } from './event.ts';
import type { AuditPublicKey } from './ports.ts';
import { signatureHolds } from './signature.ts';

export interface DigestBreak {
  day: string;
  problem:
    | 'digest-hash-mismatch'
    | 'digest-chain-broken'
    | 'signature-missing'
    | 'signature-invalid'
    | 'head-missing'
    | 'head-hash-mismatch';
  stream?: string;
  seq?: number;
}

export interface DigestVerification {
  ok: boolean;
  digests: number;
  signed: number;
  /** Heads recorded by the digests whose day the export covers, found in it with their hash. */
  heads: number;
  firstBreak?: DigestBreak;
}

const key = (stream: string, seq: number) => `${seq}:${stream}`;

/**
 * Digests of consecutive days, in any order given. `keys` absent: signatures are not checked (say
 * so: `signed` is 0); present: every digest must carry a signature that holds.
 */
export class DigestChecker {
  private readonly digests: AuditDigest[];
  /** stream+seq of each head still expected in the export, with its hash and day. */
  private readonly expected = new Map<string, { hash: string; day: string }>();
  private firstBreak?: DigestBreak;
  private signed = 0;
  private heads = 0;

  constructor(digests: AuditDigest[], keys?: AuditPublicKey[]) {
    this.digests = [...digests].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
    this.firstBreak = this.chain(keys);
  }

  private chain(keys: AuditPublicKey[] | undefined): DigestBreak | undefined {
    let previous: AuditDigest | undefined;
    for (const d of this.digests) {
      if (!digestHolds(d)) return { day: d.day, problem: 'digest-hash-mismatch' };
      if (previous && d.prevDigestHash !== previous.hash) return { day: d.day, problem: 'digest-chain-broken' };
      if (keys) {
        if (!d.signature) return { day: d.day, problem: 'signature-missing' };
        if (!signatureHolds(d.hash, d.signature, keys)) return { day: d.day, problem: 'signature-invalid' };
        this.signed++;
      }
      for (const h of d.heads) this.expected.set(key(h.stream, h.seq), { hash: h.hash, day: d.day });
      previous = d;
    }
    return undefined;
  }

  /** An event of the export: if a digest recorded it as a head, its hash must be the recorded one. */
  see(e: Pick<AuditEvent, 'stream' | 'seq' | 'hash'>): DigestBreak | undefined {
    if (this.firstBreak) return this.firstBreak;
    const k = key(e.stream, e.seq);
    const head = this.expected.get(k);
    if (!head) return undefined;
    this.expected.delete(k);
    this.heads++;
    if (head.hash !== e.hash)
      return (this.firstBreak = { day: head.day, problem: 'head-hash-mismatch', stream: e.stream, seq: e.seq });
    return undefined;
  }

  /** After the whole export: a head of a day the export covers whole that never came is missing. */
  end(range?: { from: string; to: string }): DigestVerification {
    if (!this.firstBreak && range) {
      for (const [k, head] of this.expected) {
        const dayStart = `${head.day}T00:00:00.000Z`;
        const dayEnd = new Date(Date.parse(dayStart) + 86_400_000).toISOString();
        if (dayStart < range.from || dayEnd > range.to) continue;
        const [seq, ...stream] = k.split(':');
        this.firstBreak = { day: head.day, problem: 'head-missing', stream: stream.join(':'), seq: Number(seq) };
        break;
      }
    }
    return {
      ok: !this.firstBreak,
      digests: this.digests.length,
      signed: this.signed,
      heads: this.heads,
      ...(this.firstBreak ? { firstBreak: this.firstBreak } : {}),
    };
  }
}
