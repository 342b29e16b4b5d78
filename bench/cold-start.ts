/**
 * cold-start: every function's bundle built with the settings CDK uses (infra/constructs/bundling.ts),
 * beside a minimal handler that makes one DynamoDB Query with the project's own SDK and an empty one,
 * built in the same run the same way. Each is imported in a fresh Node process (as a Lambda cold start
 * does), interleaved, median of `runs`. Rows: the decision function's size (target 600 KiB) and
 * import ratio vs the minimal handler (target 1.25); every function's size and ratio (none over 1 MiB);
 * what `--enable-source-maps` costs with an adjacent map, an inline one, or none.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions } from '#infra/constructs/bundling.ts';
import { projectRoot } from '#infra/constructs/functions.ts';
import { median, type BenchResult } from './table.ts';

const KIB = 1024;
const DECISION = 'http/decide-consent';
const kinds = ['http', 'tasks', 'scheduled', 'events', 'identity'];

// The minimal handler a decision is measured against: one Query, the same SDK, bundled the same way.
const minimalQuery = `import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
const db = new DynamoDBClient({});
export const handler = async (event) => db.send(new QueryCommand({
  TableName: process.env.TABLE_CONSENT, KeyConditionExpression: 'pk = :pk',
  ExpressionAttributeValues: { ':pk': { S: String(event.id) } } }));`;
const empty = 'export const handler = async () => ({ statusCode: 200 });';

/** The handler entries: every module under functions/handlers/<kind>/ that exports `handler`. */
function entries(): string[] {
  return kinds.flatMap((kind) =>
    readdirSync(path.join(projectRoot, 'functions/handlers', kind))
      .filter((f) => f.endsWith('.ts'))
      .filter((f) =>
        /export const handler\b/.test(readFileSync(path.join(projectRoot, 'functions/handlers', kind, f), 'utf8')),
      )
      .map((f) => `${kind}/${f.slice(0, -3)}`),
  );
}

/** Milliseconds to import `file` in a fresh Node process (the one running this bench: Node 22). */
function importMs(file: string, flags: string[] = []): number {
  const out = execFileSync(
    process.execPath,
    [
      ...flags,
      '--input-type=module',
      '-e',
      // The Lambda runtime's global that response-streaming handlers wrap themselves with at import.
      `globalThis.awslambda = { streamifyResponse: (f) => f, HttpResponseStream: { from: (s) => s } }; const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`,
    ],
    // The environment a function starts with (nothing is read until the first call builds its ports).
    {
      env: { PATH: process.env.PATH, AWS_REGION: 'eu-west-1', TABLE_CONSENT: 'consent' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  return Number(out.toString());
}

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  // Inside the project, so the minimal handler resolves the project's own SDK.
  const dir = path.join(projectRoot, 'node_modules/.cache/custodian-cold-start');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'minimal-query.mjs'), minimalQuery);
  writeFileSync(path.join(dir, 'empty.mjs'), empty);

  const bundles = new Map<string, string>();
  // Bytes per package in each bundle (esbuild's metafile): what a function carries that it never runs.
  const shares = new Map<string, Map<string, number>>();
  const bundle = async (name: string, entry: string, extra: Record<string, unknown> = {}) => {
    const outfile = path.join(dir, 'out', `${name.replaceAll('/', '--')}.mjs`);
    const { metafile } = await build({ ...esbuildOptions(entry, outfile), ...extra });
    const byPackage = new Map<string, number>();
    for (const [input, { bytesInOutput }] of Object.entries(Object.values(metafile?.outputs ?? {})[0]?.inputs ?? {})) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? 'custodian';
      byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
    }
    shares.set(name, byPackage);
    bundles.set(name, outfile);
    return outfile;
  };
  const heaviest = (name: string) =>
    [...(shares.get(name) ?? [])]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([pkg, bytes]) => `${pkg} ${(bytes / KIB).toFixed(0)}`)
      .join(', ');
  await bundle('minimal', path.join(dir, 'minimal-query.mjs'));
  await bundle('empty', path.join(dir, 'empty.mjs'));
  const functions = entries();
  for (const name of functions) await bundle(name, path.join(projectRoot, 'functions/handlers', `${name}.ts`));
  // The decision bundle three ways for the source-map rows: no map, an inline one (the adjacent one is above).
  const bare = await bundle('decision-no-map', path.join(projectRoot, `functions/handlers/${DECISION}.ts`), {
    sourcemap: false,
  });
  const inline = await bundle('decision-inline-map', path.join(projectRoot, `functions/handlers/${DECISION}.ts`), {
    sourcemap: 'inline',
  });
  const adjacent = bundles.get(DECISION)!;

  // Interleaved runs: a noisy spell on the box falls on every bundle alike.
  const times = new Map<string, number[]>();
  const record = (key: string, ms: number) => times.set(key, [...(times.get(key) ?? []), ms]);
  const maps = ['--enable-source-maps'];
  for (let i = 0; i < opts.runs; i++) {
    for (const name of ['minimal', 'empty', ...functions]) record(name, importMs(bundles.get(name)!));
    record('map: none', importMs(bare, maps));
    record('map: adjacent', importMs(adjacent, maps));
    record('map: inline', importMs(inline, maps));
  }
  const ms = (key: string) => median(times.get(key)!);
  const size = (file: string) => statSync(file).size;
  const minimal = ms('minimal');
  const rows: BenchResult[] = [
    {
      bench: 'cold start: decision bundle size vs 600 KiB',
      ratio: size(adjacent) / (600 * KIB),
      target: 1,
      detail: `${(size(adjacent) / KIB).toFixed(0)} KiB minified (minimal Query handler ${(size(bundles.get('minimal')!) / KIB).toFixed(0)} KiB); KiB by package: ${heaviest(DECISION)}`,
    },
    {
      bench: 'cold start: decision import vs a minimal one-Query handler',
      ratio: ms(DECISION) / minimal,
      target: 1.25,
      detail: `${ms(DECISION).toFixed(1)} ms vs ${minimal.toFixed(1)} ms (empty ${ms('empty').toFixed(1)} ms); median of ${opts.runs}, fresh Node ${process.versions.node}`,
    },
    {
      bench: 'cold start: largest function bundle vs 1 MiB',
      ratio: Math.max(...functions.map((f) => size(bundles.get(f)!))) / (1024 * KIB),
      target: 1,
      detail: `of ${functions.length} entries`,
    },
  ];
  for (const f of functions) {
    rows.push({
      bench: `cold start: ${f} import vs minimal`,
      ratio: ms(f) / minimal,
      detail: `${(size(bundles.get(f)!) / KIB).toFixed(0)} KiB; ${ms(f).toFixed(1)} ms`,
    });
  }
  for (const [key, file] of [
    ['map: adjacent', adjacent],
    ['map: inline', inline],
  ] as const) {
    rows.push({
      bench: `cold start: decision with --enable-source-maps, ${key.slice(5)} map vs none`,
      ratio: ms(key) / ms('map: none'),
      detail: `${ms(key).toFixed(1)} ms vs ${ms('map: none').toFixed(1)} ms; file ${(size(file) / KIB).toFixed(0)} KiB`,
    });
  }
  return rows;
}
