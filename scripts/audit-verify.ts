/**
 * `npm run audit:verify -- export.ndjson` (or `npx custodian-audit-verify export.ndjson`): checks an
 * audit export offline, with nothing of ours running. Exit 0 when every chain holds, 1 at the first
 * break (printed with its line, stream and seq), 2 on usage.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { verifyExport } from '#core/audit/verify-export.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: npm run audit:verify -- <export.ndjson>');
  process.exit(2);
}
const result = await verifyExport(createInterface({ input: createReadStream(file, 'utf8'), crlfDelay: Infinity }));
console.log(JSON.stringify(result, null, 2));
process.exit(result.ok ? 0 : 1);
