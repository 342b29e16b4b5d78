/**
 * `npm run bench [-- --only name,name] [--runs N] [--events N]` (`--events`: the audit-job bench's size): every figure is a ratio against a baseline
 * measured in the same run on the same emulators (these machines are noisy; absolute times are
 * context only). One row per bench module; each module exports `run(opts): Promise<BenchResult[]>`.
 */
import '#infra/local/lambda-streaming.ts';

// A log line per call to a terminal is not CloudWatch: the benches measure the code, logs at warn.
process.env.LOG_LEVEL ??= 'warn';
import { parseArgs } from 'node:util';
import { printTable, type BenchResult } from './table.ts';

type BenchOpts = { runs: number; events?: number };
const benches: Record<string, () => Promise<{ run(opts: BenchOpts): Promise<BenchResult[]> }>> = {
  erasure: () => import('./erasure.ts'),
  audit: () => import('./audit.ts'),
  'audit-export': () => import('./audit-export.ts'),
  'audit-job': () => import('./audit-job.ts'),
  decisions: () => import('./decisions.ts'),
  'decisions-load': () => import('./decisions-load.ts'),
  fanout: () => import('./fanout.ts'),
  bulk: () => import('./bulk.ts'),
  'ecif-load': () => import('./ecif-load.ts'),
  'cold-start': () => import('./cold-start.ts'),
};

const { values } = parseArgs({
  options: { only: { type: 'string' }, runs: { type: 'string', default: '9' }, events: { type: 'string' } },
});
const selected = values.only ? values.only.split(',') : Object.keys(benches);
const rows: BenchResult[] = [];
for (const name of selected) {
  if (!benches[name]) throw new Error(`no bench named ${name}; known: ${Object.keys(benches).join(', ')}`);
  console.error(`bench ${name}...`);
  rows.push(
    ...(await (
      await benches[name]()
    ).run({
      runs: Number(values.runs),
      ...(values.events ? { events: Number(values.events) } : {}),
    })),
  );
}
printTable(rows);
// Emulators and servers may hold the event loop: the figures are printed, we are done.
process.exit(0);
