/**
 * Building the web pages (web/ -> web/dist) for whoever needs the bundle: `npm run web:build`, the
 * local runtime that serves it, and the CDK construct that deploys it. Built when missing or older
 * than its sources, so no test or synth depends on a manual step; side-by-side builders (test
 * workers) take a lock file so one builds and the others wait.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const WEB_DIR = path.join(root, 'web');
export const WEB_DIST = path.join(WEB_DIR, 'dist');
const STAMP = path.join(WEB_DIST, '.built');
const LOCK = path.join(WEB_DIR, '.build.lock');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** Is web/dist missing, or older than any source of the pages? */
export function webBuildStale(): boolean {
  if (!existsSync(STAMP)) return true;
  return statSync(STAMP).mtimeMs < newestSource(WEB_DIR);
}

/**
 * `vite build` of both pages, into a fresh directory that then takes the place of web/dist: a
 * runtime serving the old bundle never sees a half-written one. Throws with vite's own output.
 */
export function buildWebPages(): void {
  const out = path.join(WEB_DIR, `.dist-${process.pid}-${Date.now()}`);
  try {
    execFileSync(
      process.execPath,
      [path.join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', path.join(WEB_DIR, 'vite.config.ts')],
      {
        cwd: root,
        timeout: 120_000,
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, CUSTODIAN_WEB_OUT_DIR: out },
      },
    );
    writeFileSync(path.join(out, '.built'), new Date().toISOString());
    const old = `${out}-old`;
    if (existsSync(WEB_DIST)) renameSync(WEB_DIST, old);
    renameSync(out, WEB_DIST);
    rmSync(old, { recursive: true, force: true });
  } catch (err) {
    rmSync(out, { recursive: true, force: true });
    const e = err as { stderr?: Buffer; stdout?: Buffer; message: string };
    throw new Error(
      `the web pages could not be built (npm run web:build): ${e.stderr?.toString() || e.stdout?.toString() || e.message}`,
    );
  }
}

const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/** Builds web/dist unless it is fresh; returns its path. */
export function ensureWebBuild(): string {
  for (let waited = 0; webBuildStale(); waited += 200) {
    let fd: number | undefined;
    try {
      fd = openSync(LOCK, 'wx');
    } catch {
      // Someone else is building; a lock older than two minutes is left from a killed build.
      if (existsSync(LOCK) && Date.now() - statSync(LOCK).mtimeMs > 120_000) rmSync(LOCK, { force: true });
      if (waited > 180_000) throw new Error('the web pages: timed out waiting for another build (web/.build.lock)');
      sleep(200);
      continue;
    }
    try {
      if (webBuildStale()) buildWebPages();
    } finally {
      closeSync(fd);
      rmSync(LOCK, { force: true });
    }
  }
  return WEB_DIST;
}
