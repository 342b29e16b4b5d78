/**
 * The CCPA metrics a business handling many Californians' data discloses each year (11 CCR §7102(a)):
 * per right, the requests received, complied with in whole or in part, and denied (by reason), and the
 * median and mean days to a substantive response. Computed from the requests received in the calendar
 * year (UTC), read through the received-date index: one pass, the durations the only thing kept.
 */
import type { RequestType } from '../requests/request.ts';
import { csvCell } from './access-report.ts';
import type { RequestFacts, RequestFigures } from './ports.ts';

/** The rights §7102 names, and the request types that exercise each. */
export const ccpaRights = {
  know: ['access', 'portability'],
  delete: ['erasure'],
  correct: ['rectification'],
  opt_out_sale_sharing: ['opt_out_sale_sharing'],
  limit_sensitive: ['limit_sensitive'],
} as const satisfies Record<string, readonly RequestType[]>;
export type CcpaRight = keyof typeof ccpaRights;
const rightOf = new Map<string, CcpaRight>(
  Object.entries(ccpaRights).flatMap(([right, types]) => types.map((t) => [t, right as CcpaRight])),
);

export interface RightFigures {
  received: number;
  /** Complied with in whole or in part (the sum of the next two). */
  complied: number;
  compliedInWhole: number;
  compliedInPart: number;
  denied: number;
  /** Denials by reason; `identity_not_verified` includes requests whose verification failed. */
  deniedByReason: Record<string, number>;
  /** Withdrawn by the requester, or closed as a duplicate of an open request. */
  withdrawn: number;
  /** Not answered yet when the report was made. */
  open: number;
  /** Days from receipt to the substantive response (compliance or denial), to one decimal; null with none. */
  medianDaysToRespond: number | null;
  meanDaysToRespond: number | null;
}

export interface CcpaMetrics {
  format: 'custodian-ccpa-metrics/1';
  year: number;
  generatedAt: string;
  basis: string;
  rights: Record<CcpaRight, RightFigures>;
}

const DAY_MS = 86_400_000;
const oneDecimal = (n: number) => Math.round(n * 10) / 10;

export function median(sorted: number[]): number | null {
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** What one request adds to its right's figures; its days to respond when it was answered. */
function tally(f: RightFigures, r: RequestFacts): number | undefined {
  f.received++;
  const answered = r.completedAt ? (Date.parse(r.completedAt) - Date.parse(r.receivedAt)) / DAY_MS : undefined;
  switch (r.status) {
    case 'completed':
      f.compliedInWhole++;
      return answered;
    case 'partially_completed':
      f.compliedInPart++;
      return answered;
    case 'denied':
    case 'unverified': {
      const reason = r.status === 'unverified' ? 'identity_not_verified' : (r.denialReason ?? 'other');
      f.denied++;
      f.deniedByReason[reason] = (f.deniedByReason[reason] ?? 0) + 1;
      return answered;
    }
    case 'cancelled':
      f.withdrawn++;
      return undefined;
    default:
      f.open++;
      return undefined;
  }
}

export async function ccpaMetrics(store: RequestFigures, year: number, now: Date): Promise<CcpaMetrics> {
  const from = new Date(Date.UTC(year, 0, 1)).toISOString();
  const to = new Date(Date.UTC(year + 1, 0, 1)).toISOString();
  const figures = {} as Record<CcpaRight, RightFigures>;
  const days = {} as Record<CcpaRight, number[]>;
  for (const right of Object.keys(ccpaRights) as CcpaRight[]) {
    figures[right] = {
      received: 0,
      complied: 0,
      compliedInWhole: 0,
      compliedInPart: 0,
      denied: 0,
      deniedByReason: {},
      withdrawn: 0,
      open: 0,
      medianDaysToRespond: null,
      meanDaysToRespond: null,
    };
    days[right] = [];
  }
  for await (const r of store.received(from, to)) {
    const right = rightOf.get(r.type);
    if (r.jurisdiction !== 'CCPA' || !right || r.followUp) continue;
    const answered = tally(figures[right], r);
    if (answered !== undefined) days[right].push(answered);
  }
  for (const right of Object.keys(figures) as CcpaRight[]) {
    const f = figures[right];
    const d = days[right].sort((a, b) => a - b);
    f.complied = f.compliedInWhole + f.compliedInPart;
    const mid = median(d);
    f.medianDaysToRespond = mid === null ? null : oneDecimal(mid);
    f.meanDaysToRespond = d.length ? oneDecimal(d.reduce((a, b) => a + b, 0) / d.length) : null;
  }
  return {
    format: 'custodian-ccpa-metrics/1',
    year,
    generatedAt: now.toISOString(),
    basis: '11 CCR §7102(a): CCPA requests received from 1 January to 31 December (UTC)',
    rights: figures,
  };
}

/** One row per right and figure, denials one row per reason: right, metric, reason, value. */
export function ccpaMetricsCsv(m: CcpaMetrics): string {
  const rows: string[][] = [['year', 'right', 'metric', 'reason', 'value']];
  for (const [right, f] of Object.entries(m.rights)) {
    const row = (metric: string, value: number | null, reason = '') =>
      rows.push([String(m.year), right, metric, reason, value === null ? '' : String(value)]);
    row('received', f.received);
    row('complied', f.complied);
    row('complied_in_whole', f.compliedInWhole);
    row('complied_in_part', f.compliedInPart);
    row('denied', f.denied);
    for (const [reason, n] of Object.entries(f.deniedByReason).sort()) row('denied', n, reason);
    row('withdrawn', f.withdrawn);
    row('open', f.open);
    row('median_days_to_respond', f.medianDaysToRespond);
    row('mean_days_to_respond', f.meanDaysToRespond);
  }
  return `${rows.map((r) => r.map(csvCell).join(',')).join('\r\n')}\r\n`;
}
