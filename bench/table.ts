/** What a bench returns, and how `npm run bench` prints it: ratios first, absolute times as context. */
export interface BenchResult {
  bench: string;
  /** Measured / baseline, both in this run on the same machine. */
  ratio: number;
  /** The target, when the issue sets one (ratio must be at most this, or at least it with `atLeast`). */
  target?: number;
  /** The ratio is a speed-up: it must reach the target, not stay under it. */
  atLeast?: boolean;
  detail: string;
}

export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
export const percentile = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

export function printTable(rows: BenchResult[]): void {
  const lines = rows.map((r) => [
    r.bench,
    r.ratio.toFixed(2),
    r.target === undefined
      ? ''
      : r.atLeast
        ? r.ratio >= r.target
          ? `>= ${r.target} ok`
          : `< ${r.target} MISSED`
        : r.ratio <= r.target
          ? `<= ${r.target} ok`
          : `> ${r.target} MISSED`,
    r.detail,
  ]);
  const head = ['bench', 'ratio', 'target', 'detail'];
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  console.log([fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n'));
}
