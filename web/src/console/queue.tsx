/** The request queue: filters, deadlines with overdue and due-soon marked in words and colour, counts by status. */
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime, daysUntil } from '../shared/format.ts';
import { effectiveDue, requestTypes, statuses, urgency, words, type ConsoleContext } from './context.ts';

const MAX_PAGES = 5;

/** How the requester proved who they are, in words. */
const requesterWords: Record<string, string> = {
  login: 'signed in',
  code: 'by emailed code',
  not_required: 'no proof needed',
  follow_up: 'Custodian (follow-up)',
};

export function QueueView({ ctx }: { ctx: ConsoleContext }) {
  const { api, session, locale } = ctx;
  const [filters, setFilters] = useState<Record<string, string>>({});
  const [items, setItems] = useState<any[]>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string>();

  useEffect(() => {
    let stop = false;
    (async () => {
      const all: any[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await api('GET', '/v1/privacy-requests', {
          token: session.token,
          query: { ...filters, limit: '200', cursor },
        });
        all.push(...page.items);
        cursor = page.next;
      } while (cursor && ++pages < MAX_PAGES);
      if (!stop) [setItems(all), setMore(Boolean(cursor)), setError(undefined)];
    })().catch((e: Error) => !stop && setError(e.message));
    return () => void (stop = true);
  }, [JSON.stringify(filters)]);

  function apply(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const next: Record<string, string> = {};
    for (const k of ['status', 'type', 'jurisdiction']) if (form.get(k)) next[k] = String(form.get(k));
    if (form.get('overdue')) next.overdue = 'true';
    else if (form.get('dueBefore')) next.dueBefore = new Date(`${form.get('dueBefore')}T23:59:59`).toISOString();
    setFilters(next);
  }

  const counts = new Map<string, number>();
  for (const r of items ?? []) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  const overdue = (items ?? []).filter((r) => urgency(r) === 'overdue').length;
  const dueSoon = (items ?? []).filter((r) => urgency(r) === 'due-soon').length;

  return (
    <>
      <h1>Requests</h1>
      <form onSubmit={apply} class="row" aria-label="Filter the queue">
        <div>
          <label for="f-status">Status</label>
          <select id="f-status" name="status">
            <option value="">Open (all open statuses)</option>
            {statuses.map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-type">Right</label>
          <select id="f-type" name="type">
            <option value="">Any</option>
            {requestTypes.map((s) => (
              <option value={s}>{words(s)}</option>
            ))}
          </select>
        </div>
        <div>
          <label for="f-jur">Jurisdiction</label>
          <select id="f-jur" name="jurisdiction">
            <option value="">Any</option>
            <option>GDPR</option>
            <option>CCPA</option>
          </select>
        </div>
        <div>
          <label for="f-due">Due before</label>
          <input id="f-due" name="dueBefore" type="date" />
        </div>
        <div>
          <label class="switch" for="f-overdue">
            <input id="f-overdue" name="overdue" type="checkbox" /> Overdue only
          </label>
        </div>
        <div>
          <button type="submit">Apply</button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!items && !error && <p aria-busy="true">Loading…</p>}
      {items && (
        <>
          <h2 id="counts">Counts</h2>
          <ul class="counts" aria-labelledby="counts">
            {[...counts].map(([s, n]) => (
              <li data-status={s}>
                {words(s)}: <strong>{n}</strong>
              </li>
            ))}
            <li>
              <span class="badge bad">Overdue</span> <strong data-count="overdue">{overdue}</strong>
            </li>
            <li>
              <span class="badge warn">Due soon</span> <strong data-count="due-soon">{dueSoon}</strong>
            </li>
          </ul>
          {more && <p class="notice">Showing the first {items.length}; narrow the filters to see the rest.</p>}
          <div class="table-scroll">
            <table aria-describedby="counts">
              <caption class="visually-hidden">Requests by status, then deadline</caption>
              <thead>
                <tr>
                  <th scope="col">Request</th>
                  <th scope="col">Right</th>
                  <th scope="col">Law</th>
                  <th scope="col">Subject</th>
                  <th scope="col">Requester</th>
                  <th scope="col">Status</th>
                  <th scope="col">Received</th>
                  <th scope="col">Deadline</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => {
                  const u = urgency(r);
                  const days = daysUntil(effectiveDue(r));
                  return (
                    <tr class={u ?? ''} data-request={r.id}>
                      <td>
                        <a href={`/console/requests/${r.id}`} data-route class="mono">
                          {r.id}
                        </a>
                      </td>
                      <td>{words(r.type)}</td>
                      <td>{r.jurisdiction}</td>
                      <td class="mono">{r.ecifId ?? <span class="hint">not matched yet</span>}</td>
                      <td>
                        {/* Who asked, without their identifiers (the API keeps only hashes of them). */}
                        {words(r.channel ?? 'api')}, {requesterWords[r.verification?.method] ?? 'unverified'}
                      </td>
                      <td>{words(r.status)}</td>
                      <td>{formatDateTime(r.receivedAt, locale)}</td>
                      <td>
                        {formatDateTime(effectiveDue(r), locale)}
                        {r.extension && ' (extended)'} {u === 'overdue' && <span class="badge bad">Overdue</span>}
                        {u === 'due-soon' && <span class="badge warn">Due soon</span>}
                        {u !== 'overdue' && ` ${days} day${days === 1 ? '' : 's'} left`}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          {items.length === 0 && <p>No request matches.</p>}
        </>
      )}
    </>
  );
}
