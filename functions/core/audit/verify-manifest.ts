/**
 * An export job's files checked offline: the manifest's hash over its body and its signature by the
 * audit key (public key only), then each part's SHA-256 over its bytes as downloaded and its line
 * count, then every chain across the parts in day order (verify-export.ts). With the archived
 * digests, each digest the manifest lists must be one of them, hash for hash. A part swapped,
 * trimmed or edited fails its hash; a manifest edited to match it fails its own hash or signature.
 */
import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { AuditDigest } from './digest.ts';
import { manifestHash, type ExportManifest, type ExportPart } from './export-job.ts';
import type { AuditPublicKey } from './ports.ts';
import { signatureHolds } from './signature.ts';
import { verifyExport, type ExportVerification } from './verify-export.ts';

export interface ManifestBreak {
  problem:
    | 'manifest-hash-mismatch'
    | 'signature-missing'
    | 'signature-invalid'
    | 'part-missing'
    | 'part-hash-mismatch'
    | 'part-line-count-mismatch'
    | 'digest-not-archived';
  part?: string;
  day?: string;
}

export interface ManifestVerification {
  ok: boolean;
  parts: number;
  signed: boolean;
  /** The chains over every part, in order. */
  events?: ExportVerification;
  firstBreak?: ManifestBreak;
}

/** A part's bytes by its file name (the basename of its key), or undefined when it is not there. */
export type PartOpener = (name: string) => AsyncIterable<Buffer> | undefined;

export const partName = (p: ExportPart) => p.key.slice(p.key.lastIndexOf('/') + 1);

export async function verifyManifest(
  manifest: ExportManifest,
  open: PartOpener,
  opts: { keys?: AuditPublicKey[]; digests?: AuditDigest[] } = {},
): Promise<ManifestVerification> {
  const parts = manifest.parts?.length ?? 0;
  const fail = (firstBreak: ManifestBreak, events?: ExportVerification): ManifestVerification => ({
    ok: false,
    parts,
    signed: false,
    ...(events ? { events } : {}),
    firstBreak,
  });
  if (manifestHash(manifest) !== manifest.hash) return fail({ problem: 'manifest-hash-mismatch' });
  if (opts.keys) {
    if (!manifest.signature) return fail({ problem: 'signature-missing' });
    if (!signatureHolds(manifest.hash, manifest.signature, opts.keys)) return fail({ problem: 'signature-invalid' });
  }
  if (opts.digests) {
    const archived = new Map(opts.digests.map((d) => [d.day, d.hash]));
    const forged = manifest.digests.find((d) => archived.get(d.day) !== d.hash);
    if (forged) return fail({ problem: 'digest-not-archived', day: forged.day });
  }

  let partBreak: ManifestBreak | undefined;
  async function* lines() {
    for (const part of [...manifest.parts].sort((a, b) => a.day.localeCompare(b.day))) {
      const name = partName(part);
      const bytes = open(name);
      if (!bytes) {
        partBreak = { problem: 'part-missing', part: name, day: part.day };
        return;
      }
      const sha = createHash('sha256');
      const tap = new Transform({
        transform(chunk: Buffer, _enc, done) {
          sha.update(chunk);
          done(null, chunk);
        },
      });
      const text = Readable.from(bytes).pipe(tap).pipe(createGunzip()).setEncoding('utf8');
      let count = 0;
      for await (const line of createInterface({ input: text, crlfDelay: Number.POSITIVE_INFINITY })) {
        count++;
        yield line;
      }
      if (sha.digest('hex') !== part.sha256) partBreak = { problem: 'part-hash-mismatch', part: name, day: part.day };
      else if (count !== part.lines) partBreak = { problem: 'part-line-count-mismatch', part: name, day: part.day };
      if (partBreak) return;
    }
  }
  const events = await verifyExport(lines());
  if (partBreak) return fail(partBreak, events);
  return { ok: events.ok, parts, signed: opts.keys !== undefined, events };
}
