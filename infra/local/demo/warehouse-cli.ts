/**
 * `npm run --silent warehouse -- --url <postgres url> [--table <schema.table>] <customer_key>` prints the
 * demo warehouse's row for that key as JSON (`null` when there is none): the walkthrough's before and after.
 */
import { parseArgs } from 'node:util';
import { WAREHOUSE_TABLE, warehouseRow } from './warehouse.ts';

const usage = 'usage: npm run --silent warehouse -- --url <postgres url> [--table <schema.table>] <customer_key>';

let parsed: ReturnType<
  typeof parseArgs<{ options: { url: { type: 'string' }; table: { type: 'string' } }; allowPositionals: true }>
>;
try {
  parsed = parseArgs({
    options: { url: { type: 'string' }, table: { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
} catch (e) {
  process.stderr.write(`${(e as Error).message}\n${usage}\n`);
  process.exit(2);
}
const { values, positionals } = parsed;
if (!values.url || positionals.length !== 1) {
  process.stderr.write(`${usage}\n`);
  process.exit(2);
}
try {
  process.stdout.write(
    `${JSON.stringify((await warehouseRow(values.url, values.table ?? WAREHOUSE_TABLE, positionals[0])) ?? null)}\n`,
  );
} catch (e) {
  process.stderr.write(`warehouse: ${(e as { code?: string }).code ?? (e as Error).name}\n`);
  process.exit(3);
}
