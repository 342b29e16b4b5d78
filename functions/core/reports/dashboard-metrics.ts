/**
 * The DPO's dashboard figures for a period: requests received per week by right and jurisdiction,
 * how the period's requests closed against their deadlines, and, as of now, open requests by status,
 * overdue and due soon. Read through the received-date and status indexes: the work grows with the
 * period's requests and the open ones, never with the whole history.
 */
import { openStatuses, type RequestStatus } from '../requests/request.ts';
import type { RequestFigures } from './ports.ts';

const DAY_MS = 86_400_000;
/** The buckets of days to close: up to 7, 14, 30 and 45 days (the CCPA's and GDPR's first deadlines), then the rest. */
export const closeBuckets = [7, 14, 30, 45] as const;

/** The Monday (UTC) of the ISO week an instant falls in, as yyyy-mm-dd. */
export function weekOf(at: string): string {
  const day = new Date(at.slice(0, 10));
  day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  return day.toISOString().slice(0, 10);
}

export async function dashboardMetrics(
  store: RequestFigures,
  period: { from: string; to: string },
  now: Date,
  dueSoonDays: number,
) {
  const weeks = new Map<string, { week: string; type: string; jurisdiction: string; count: number }>();
  let received = 0;
  let closed = 0;
  let closedInTime = 0;
  const buckets = [...closeBuckets, null].map((upToDays) => ({ upToDays, count: 0 }));
  for await (const r of store.received(period.from, period.to)) {
    if (r.followUp) continue;
    received++;
    const key = `${weekOf(r.receivedAt)}|${r.type}|${r.jurisdiction}`;
    const row = weeks.get(key) ?? { week: weekOf(r.receivedAt), type: r.type, jurisdiction: r.jurisdiction, count: 0 };
    row.count++;
    weeks.set(key, row);
    // A withdrawn request was never answered: it has no time to close.
    if (!r.completedAt || r.status === 'cancelled') continue;
    closed++;
    if (r.completedAt <= (r.extendedDueAt ?? r.dueAt)) closedInTime++;
    const days = (Date.parse(r.completedAt) - Date.parse(r.receivedAt)) / DAY_MS;
    const bucket = buckets.find((b) => b.upToDays === null || days <= b.upToDays);
    if (bucket) bucket.count++;
  }
  const at = now.toISOString();
  const soon = new Date(now.getTime() + dueSoonDays * DAY_MS).toISOString();
  const byStatus = {} as Record<RequestStatus, number>;
  let overdue = 0;
  let dueSoon = 0;
  for (const status of openStatuses) {
    const [all, late, bySoon] = await Promise.all([
      store.countByStatus(status),
      store.countByStatus(status, at),
      store.countByStatus(status, soon),
    ]);
    byStatus[status] = all;
    overdue += late;
    dueSoon += bySoon - late;
  }
  return {
    from: period.from,
    to: period.to,
    generatedAt: at,
    received: {
      total: received,
      weeks: [...weeks.values()].sort(
        (a, b) =>
          a.week.localeCompare(b.week) || a.type.localeCompare(b.type) || a.jurisdiction.localeCompare(b.jurisdiction),
      ),
    },
    closing: {
      closed,
      closedInTime,
      shareInTime: closed ? Math.round((closedInTime / closed) * 1000) / 1000 : null,
      daysToClose: buckets,
    },
    now: { openByStatus: byStatus, overdue, dueSoon, dueSoonDays },
  };
}

export type DashboardMetrics = Awaited<ReturnType<typeof dashboardMetrics>>;
