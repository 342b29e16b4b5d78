/**
 * `npm run audit:verify -- [--complete] export.ndjson` (or `npx custodian-audit-verify …`): checks an
 * audit export offline, with nothing of ours running. Exit 0 when every chain holds, 1 at the first
 * break (printed with its line, stream and seq), 2 on usage. `complete` in the report says the
 * export ended with its trailer and the trailer's count matches; with `--complete` an export
 * without it (cut short mid-stream) is a failure too.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyExport } from '#core/audit/verify-export.ts';

const args = process.argv.slice(2);
const requireComplete = args.includes('--complete');
const file = args.find((a) => !a.startsWith('--'));
if (!file) {
  console.error('usage: npm run audit:verify -- [--complete] <export.ndjson>');
  process.exit(2);
}
const result = await verifyExport(createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity }));
console.log(JSON.stringify(result, null, 2));
process.exit(result.ok && (result.complete || !requireComplete) ? 0 : 1);
