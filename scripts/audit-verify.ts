/**
 * `npm run audit:verify -- [--complete] [--digests DIR|FILE] [--keys keys.json] export.ndjson`
 * (or `npx custodian-audit-verify …`): checks an audit export offline, with nothing of ours
 * running, like `aws cloudtrail validate-logs`. Every chain must hold; with `--digests` (the
 * archived `digests/<day>.json` files, or one JSON array of them) the digests are checked too (hash,
 * chain) and every head they recorded for a day the export covers must be in it; with `--keys`
 * (GET /v1/audit/keys, the public keys only) each digest's signature must hold. Exit 0 when all
 * holds, 1 at the first break (printed), 2 on usage. With `--complete` an export without its
 * trailer (cut short mid-stream) is a failure too.
 */
import { createReadStream, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import type { AuditDigest } from '#core/audit/digest.ts';
import type { AuditPublicKey } from '#core/audit/ports.ts';
import { DigestChecker } from '#core/audit/verify-digests.ts';
import { verifyExport } from '#core/audit/verify-export.ts';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { complete: { type: 'boolean' }, digests: { type: 'string' }, keys: { type: 'string' } },
});
const file = positionals[0];
if (!file || positionals.length > 1) {
  console.error('usage: npm run audit:verify -- [--complete] [--digests DIR|FILE] [--keys keys.json] <export.ndjson>');
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
const checker = values.digests ? new DigestChecker(loadDigests(values.digests), keys) : undefined;
let digestBreak: ReturnType<DigestChecker['see']>;

/** The export's lines, each event also shown to the digest checker (a line that is not an event is the export verifier's to judge). */
async function* lines() {
  for await (const line of createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity })) {
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
