/**
 * `npm run audit:verify -- [--complete] [--digests DIR|FILE] [--keys keys.json] export.ndjson`
 * (or `npx custodian-audit-verify …`): checks an audit export offline, with nothing of ours
 * running, like `aws cloudtrail validate-logs`. Every chain must hold; with `--digests` (the
 * archived `digests/<day>.json` files, or one JSON array of them) the digests are checked too (hash,
 * chain) and every head they recorded for a day the export covers must be in it; with `--keys`
 * (GET /v1/audit/keys, the public keys only) each digest's signature must hold. Exit 0 when all
 * holds, 1 at the first break (printed), 2 on usage. With `--complete` an export without its
 * trailer (cut short mid-stream) is a failure too.
 *
 * `npm run audit:verify -- --manifest DIR/manifest.json [--keys keys.json] [--digests DIR]` checks an
 * export job's download instead (POST /v1/audit/exports): the manifest's hash and signature, each
 * part beside it (its SHA-256 and line count), the chains across the parts, and the manifest's
 * digests against the archived ones.
 */
import { createReadStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuditDigest } from '#core/audit/digest.ts';
import type { AuditPublicKey } from '#core/audit/ports.ts';
import { DigestChecker } from '#core/audit/verify-digests.ts';
import { verifyExport } from '#core/audit/verify-export.ts';
import type { ExportManifest } from '#core/audit/export-job.ts';
import { verifyManifest } from '#core/audit/verify-manifest.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    complete: { type: 'boolean' },
    digests: { type: 'string' },
    keys: { type: 'string' },
    manifest: { type: 'string' },
  },
});
const file = positionals[0];
if (values.manifest ? positionals.length > 0 : !file || positionals.length > 1) {
  console.error('usage: npm run audit:verify -- [--complete] [--digests DIR|FILE] [--keys keys.json] <export.ndjson>');
  console.error('       npm run audit:verify -- --manifest DIR/manifest.json [--digests DIR|FILE] [--keys keys.json]');
  process.exit(2);
}

const readJson = (f: string) => JSON.parse(readFileSync(f, 'utf8'));
function loadDigests(where: string): AuditDigest[] {
  if (!statSync(where).isDirectory()) return readJson(where) as AuditDigest[];
  return readdirSync(where)
    .filter((f) => f.endsWith('.json'))
    .map((f) => readJson(path.join(where, f)) as AuditDigest);
}

const keys = values.keys ? ((readJson(values.keys) as { keys: AuditPublicKey[] }).keys ?? []) : undefined;

if (values.manifest) {
  // The parts are the files beside the manifest, named as in it (what the presigned links download).
  const dir = path.dirname(values.manifest);
  const open = (name: string) => {
    const where = path.join(dir, path.basename(name));
    return existsSync(where) ? createReadStream(where) : undefined;
  };
  const result = await verifyManifest(readJson(values.manifest) as ExportManifest, open, {
    ...(keys ? { keys } : {}),
    ...(values.digests ? { digests: loadDigests(values.digests) } : {}),
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(result.ok ? 0 : 1);
}
const checker = values.digests ? new DigestChecker(loadDigests(values.digests), keys) : undefined;
let digestBreak: ReturnType<DigestChecker['see']>;

/** The export's lines, each event also shown to the digest checker (a line that is not an event is the export verifier's to judge). */
async function* lines() {
  for await (const line of createInterface({ input: createReadStream(file!, 'utf8'), crlfDelay: Infinity })) {
    if (checker && !digestBreak && line.startsWith('{')) {
      try {
        const e = JSON.parse(line);
        if (typeof e?.stream === 'string' && typeof e.seq === 'number' && typeof e.hash === 'string')
          digestBreak = checker.see(e);
      } catch {
        // not JSON: verifyExport names it
      }
    }
    yield line;
  }
}

const result = await verifyExport(lines());
const digests = checker?.end(result.complete ? result.range : undefined);
console.log(JSON.stringify({ ...result, ...(digests ? { digests } : {}) }, null, 2));
const ok = result.ok && (result.complete || !values.complete) && (digests?.ok ?? true);
process.exit(ok ? 0 : 1);
