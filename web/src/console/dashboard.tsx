/**
 * The DPO's dashboard: GET /v1/metrics drawn with Chart.js (bundled, no CDN). Each chart is an image
 * for sighted readers with a data table behind it for screen readers, and a CSV download of the same rows.
 */
import { BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleContext } from './context.ts';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);

interface Series {
  label: string;
  data: number[];
}
interface Figure {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
}

const palette = ['#1f5fa8', '#b0461b', '#2e7d32', '#6a3d9a', '#8a6d00', '#00838f', '#ad1457', '#455a64'];

function csvOf(f: Figure): string {
  const rows = [
    ['', ...f.series.map((s) => s.label)],
    ...f.labels.map((l, i) => [l, ...f.series.map((s) => String(s.data[i]))]),
  ];
  // Cells are dates, request types and counts; quoted all the same so a label never splits a row.
  return `${rows.map((r) => r.map((c) => `"${c.replace(/"/g, '""')}"`).join(',')).join('\r\n')}\r\n`;
}

function ChartFigure({ f }: { f: Figure }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const chart = new Chart(canvas.current!, {
      type: 'bar',
      data: {
        labels: f.labels,
        datasets: f.series.map((s, i) => ({
          label: s.label,
          data: s.data,
          backgroundColor: palette[i % palette.length],
        })),
      },
      options: {
        animation: false,
        responsive: true,
        scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } },
      },
    });
    return () => chart.destroy();
  }, [f]);
  const csv = URL.createObjectURL(new Blob([csvOf(f)], { type: 'text/csv' }));
  return (
    <figure class="chart" data-chart={f.id}>
      <figcaption>
        <h2>{f.title}</h2>
      </figcaption>
      <canvas ref={canvas} role="img" aria-label={`${f.title}: chart; the table below holds the same figures`} />
      <table class="visually-hidden">
        <caption>{f.title}</caption>
        <thead>
          <tr>
            <th scope="col">{f.id === 'received' ? 'Week' : 'Group'}</th>
            {f.series.map((s) => (
              <th scope="col">{s.label}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {f.labels.map((l, i) => (
            <tr>
              <th scope="row">{l}</th>
              {f.series.map((s) => (
                <td>{s.data[i]}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      <p>
        <a class="button secondary" href={csv} download={`${f.id}.csv`}>
          Download “{f.title}” as CSV
        </a>
      </p>
    </figure>
  );
}

/** The API's figures as the three charts. */
export function figuresOf(m: any): Figure[] {
  const weeks = [...new Set<string>(m.received.weeks.map((w: any) => w.week))].sort();
  const kinds = [...new Set<string>(m.received.weeks.map((w: any) => `${w.type} (${w.jurisdiction})`))].sort();
  const count = (week: string, kind: string) =>
    m.received.weeks
      .filter((w: any) => w.week === week && `${w.type} (${w.jurisdiction})` === kind)
      .reduce((n: number, w: any) => n + w.count, 0);
  return [
    {
      id: 'received',
      title: 'Requests received per week, by right and jurisdiction',
      labels: weeks,
      series: kinds.map((k) => ({ label: k, data: weeks.map((w) => count(w, k)) })),
    },
    {
      id: 'days-to-close',
      title: 'Days to close',
      labels: m.closing.daysToClose.map((b: any) => (b.upToDays === null ? 'more than 45' : `up to ${b.upToDays}`)),
      series: [{ label: 'requests closed', data: m.closing.daysToClose.map((b: any) => b.count) }],
    },
    {
      id: 'open',
      title: 'Open requests by status, now',
      labels: Object.keys(m.now.openByStatus).map((s) => s.replace(/_/g, ' ')),
      series: [{ label: 'requests', data: Object.values(m.now.openByStatus) as number[] }],
    },
  ];
}

export function DashboardView({ ctx }: { ctx: ConsoleContext }) {
  const { api, session } = ctx;
  const [metrics, setMetrics] = useState<any>();
  const [error, setError] = useState<string>();
  useEffect(() => {
    const to = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const from = new Date(Date.now() - 90 * 86_400_000).toISOString().slice(0, 10);
    api('GET', '/v1/metrics', { token: session.token, query: { from, to } }).then(setMetrics, (e: Error) =>
      setError(e.message),
    );
  }, []);
  return (
    <>
      <h1>Dashboard</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!metrics ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <p class="lead" data-summary>
            Last 90 days: {metrics.received.total} requests received; {metrics.closing.closedInTime} of{' '}
            {metrics.closing.closed} closed by their deadline. Now: {metrics.now.overdue} overdue, {metrics.now.dueSoon}{' '}
            due within {metrics.now.dueSoonDays} days.
          </p>
          {figuresOf(metrics).map((f) => (
            <ChartFigure f={f} />
          ))}
        </>
      )}
    </>
  );
}
