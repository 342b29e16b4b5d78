/**
 * Audit: search the hash-chained log (request, subject, actor, action, time), verify every chain and
 * digest of the range with one click, as a job (its progress by day, then the signed result and the
 * first break), export the range as NDJSON or CSV.
 */
import { useState } from 'preact/hooks';
import { ApiError, send } from '../shared/api.ts';
import { formatDateTime } from '../shared/format.ts';
import { instant, localInput, type ConsoleContext } from './context.ts';

export function AuditView({ ctx }: { ctx: ConsoleContext }) {
  const { api, exportApiUrl, session, locale } = ctx;
  const [range, setRange] = useState(() => ({ from: localInput(new Date(Date.now() - 7 * 86_400_000)), to: '' }));
  const [filters, setFilters] = useState<Record<string, string | undefined>>({});
  const [events, setEvents] = useState<any[]>();
  const [next, setNext] = useState<string>();
  const [verdict, setVerdict] = useState<any>();
  const [progress, setProgress] = useState<{ days: number; verified: number }>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState<string>();

  const query = () => ({ from: instant(range.from), to: instant(range.to) });
  const run = async (what: string, f: () => Promise<void>) => {
    setBusy(what);
    try {
      await f();
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(undefined);
    }
  };

  function search(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const f: Record<string, string | undefined> = {};
    for (const k of ['requestId', 'ecifId', 'actor', 'action']) f[k] = String(form.get(k) ?? '').trim() || undefined;
    setFilters(f);
    run('search', async () => {
      const page = await api('GET', '/v1/audit/events', {
        token: session.token,
        query: { ...query(), ...f, limit: '200' },
      });
      setEvents(page.items);
      setNext(page.next);
    });
  }
  const loadMore = () =>
    run('more', async () => {
      const page = await api('GET', '/v1/audit/events', {
        token: session.token,
        query: { ...query(), ...filters, limit: '200', cursor: next },
      });
      setEvents((ev) => [...(ev ?? []), ...page.items]);
      setNext(page.next);
    });
  // Any range is a job (the synchronous route takes a day at most): started, then followed until it ends.
  const verify = () =>
    run('verify', async () => {
      setVerdict(undefined);
      const started = await api('POST', '/v1/audit/verifications', { token: session.token, body: query() });
      for (;;) {
        const job = await api('GET', `/v1/audit/verifications/${started.id}`, { token: session.token });
        setProgress(job.progress);
        if (job.status !== 'running') {
          setProgress(undefined);
          const r = job.result ?? {};
          if (job.status === 'failed') throw new Error(`The verification could not finish (${r.error ?? 'error'}).`);
          setVerdict({ ok: r.ok, checked: r.events, streams: r.streams, digests: r.digests, firstBreak: r.firstBreak });
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    });
  const exportAs = (format: 'ndjson' | 'csv') =>
    run('export', async () => {
      const res = await send(exportApiUrl, 'GET', '/v1/audit/export', {
        token: session.token,
        query: { ...query(), format },
      });
      const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `audit.${format}`;
      const url = URL.createObjectURL(await res.blob());
      const a = Object.assign(document.createElement('a'), { href: url, download: name });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    });

  return (
    <>
      <h1>Audit</h1>
      <form onSubmit={search} aria-label="Search the audit log">
        <div class="row">
          <div>
            <label for="a-from">From</label>
            <input
              id="a-from"
              type="datetime-local"
              required
              value={range.from}
              onInput={(e) => setRange({ ...range, from: (e.target as HTMLInputElement).value })}
            />
          </div>
          <div>
            <label for="a-to">
              To <span class="hint">(empty: now)</span>
            </label>
            <input
              id="a-to"
              type="datetime-local"
              value={range.to}
              onInput={(e) => setRange({ ...range, to: (e.target as HTMLInputElement).value })}
            />
          </div>
        </div>
        <div class="row">
          <div>
            <label for="a-request">Request id</label>
            <input id="a-request" name="requestId" />
          </div>
          <div>
            <label for="a-subject">Subject (ecifId)</label>
            <input id="a-subject" name="ecifId" />
          </div>
          <div>
            <label for="a-actor">Actor</label>
            <input id="a-actor" name="actor" />
          </div>
          <div>
            <label for="a-action">
              Action <span class="hint">e.g. request.finalized</span>
            </label>
            <input id="a-action" name="action" />
          </div>
        </div>
        <p class="row">
          <button type="submit" disabled={busy !== undefined}>
            Search
          </button>
          <button type="button" class="secondary" onClick={verify} disabled={busy !== undefined}>
            Verify the time range
          </button>
          <button type="button" class="secondary" onClick={() => exportAs('ndjson')} disabled={busy !== undefined}>
            Export NDJSON
          </button>
          <button type="button" class="secondary" onClick={() => exportAs('csv')} disabled={busy !== undefined}>
            Export CSV
          </button>
        </p>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <p class="hint" id="verify-scope">
        Verify checks every event from From to To, in every stream, and the daily digests: the other fields narrow only
        the table of events, not what is verified.
      </p>
      <div aria-live="polite" id="verify-result">
        {progress && (
          <p>
            Verifying: {progress.verified} of {progress.days} day(s) checked…
          </p>
        )}
        {verdict &&
          (verdict.ok ? (
            <p class="success">
              Verified: {verdict.checked} events in {verdict.streams} stream(s) and {verdict.digests} daily digest(s)
              are intact: the whole log of the time range, not only the events shown below.
            </p>
          ) : (
            <div class="error">
              <p>
                <strong>The log is broken.</strong> {verdict.checked} events checked in {verdict.streams} stream(s).
              </p>
              <dl class="facts">
                {Object.entries(verdict.firstBreak ?? {}).map(([k, v]) => (
                  <>
                    <dt>{k}</dt>
                    <dd class="mono">
                      {typeof v === 'string' || typeof v === 'number' ? String(v) : JSON.stringify(v)}
                    </dd>
                  </>
                ))}
              </dl>
            </div>
          ))}
      </div>
      {events && (
        <>
          <h2>{events.length} event(s)</h2>
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th scope="col">At</th>
                  <th scope="col">Stream</th>
                  <th scope="col">Seq</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Target</th>
                  <th scope="col">Hash</th>
                </tr>
              </thead>
              <tbody>
                {events.map((e) => (
                  <tr>
                    <td>{formatDateTime(e.at, locale)}</td>
                    <td class="mono">{e.stream}</td>
                    <td>{e.seq}</td>
                    <td>{e.action}</td>
                    <td>{e.actor ? `${e.actor.role} ${e.actor.id ?? ''}` : ''}</td>
                    <td class="mono">
                      {Object.entries(e.target ?? {})
                        .map(([k, v]) => `${k}=${v}`)
                        .join(' ')}
                    </td>
                    <td class="mono" title={e.hash}>
                      {String(e.hash).slice(0, 12)}…
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {next && (
            <button type="button" class="secondary" onClick={loadMore} disabled={busy !== undefined}>
              Load more
            </button>
          )}
        </>
      )}
    </>
  );
}
