/**
 * One request as an operator or auditor sees it: the facts, a timeline (the audit trail for an
 * auditor; the record's own dates for an operator, who may not read the audit log), each system's
 * outcome with its proof and exemptions, and the operator's actions. The API enforces each action's
 * rules (one extension, before the deadline; reasons from the closed list; retry only failed
 * systems); the page shows what it refused and why.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { formatDate, formatDateTime } from '../shared/format.ts';
import { denialReasons, effectiveDue, terminal, urgency, words, type ConsoleContext } from './context.ts';

interface TimelineEntry {
  at: string;
  what: string;
  who?: string;
  detail?: string;
}

export function RequestView({ ctx, id }: { ctx: ConsoleContext; id: string }) {
  const { api, session, locale } = ctx;
  const [request, setRequest] = useState<any>();
  const [timeline, setTimeline] = useState<TimelineEntry[]>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const refresh = () => setTick((n) => n + 1);

  useEffect(() => {
    api('GET', `/v1/privacy-requests/${id}`, { token: session.token }).then(
      (r) => [setRequest(r), setError(undefined)],
      (e: Error) => setError(e.message),
    );
  }, [id, tick]);

  useEffect(() => {
    if (!request) return;
    if (session.role !== 'auditor') return setTimeline(recordTimeline(request));
    const from = new Date(Date.parse(request.receivedAt) - 60_000).toISOString();
    api('GET', '/v1/audit/events', { token: session.token, query: { from, requestId: id, limit: '1000' } }).then(
      (page) =>
        setTimeline(
          page.items.map((e: any) => ({
            at: e.at,
            what: e.action,
            who: actorName(e.actor),
            detail: e.target?.systemId,
          })),
        ),
      (e: Error) => setError(e.message),
    );
  }, [request?.updatedAt]);

  if (!request)
    return (
      <>
        <h1>Request {id}</h1>
        {error ? (
          <p class="error" role="alert">
            {error}
          </p>
        ) : (
          <p aria-busy="true">Loading…</p>
        )}
      </>
    );
  const u = urgency(request);
  const operator = session.role === 'operator';

  return (
    <>
      <h1>
        Request <span class="mono">{id}</span>
      </h1>
      <dl class="facts">
        <dt>Right</dt>
        <dd>
          {words(request.type)} ({request.jurisdiction})
        </dd>
        <dt>Status</dt>
        <dd>
          <strong id="request-status">{words(request.status)}</strong>
          {u === 'overdue' && (
            <>
              {' '}
              <span class="badge bad">Overdue</span>
            </>
          )}
          {u === 'due-soon' && (
            <>
              {' '}
              <span class="badge warn">Due soon</span>
            </>
          )}
        </dd>
        <dt>Subject</dt>
        <dd>{request.ecifId ?? (request.subjectFound === false ? 'no one matched' : 'not resolved yet')}</dd>
        <dt>Verification</dt>
        <dd>
          {words(request.verification.method)}: {request.verification.state}
        </dd>
        <dt>Received</dt>
        <dd>{formatDateTime(request.receivedAt, locale)}</dd>
        <dt>Acknowledge by</dt>
        <dd>{formatDate(request.ackDueAt, locale)}</dd>
        <dt>Due</dt>
        <dd id="request-due">
          {formatDate(effectiveDue(request), locale)}
          {request.extension && (
            <>
              {' '}
              (extended from {formatDate(request.dueAt, locale)}: {request.extension.reason})
            </>
          )}
        </dd>
        {request.outcome && (
          <>
            <dt>Outcome</dt>
            <dd>
              {words(request.outcome.result)}
              {request.outcome.reasons.length > 0 && <> — {request.outcome.reasons.join('; ')}</>}
            </dd>
          </>
        )}
        {request.denial && (
          <>
            <dt>Refused</dt>
            <dd>
              {words(request.denial.reason)}: {request.denial.detail}
            </dd>
          </>
        )}
      </dl>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}

      <h2>Systems</h2>
      {(request.systems ?? []).length === 0 ? (
        <p>No system has a part in this request (yet).</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">System</th>
                <th scope="col">Action</th>
                <th scope="col">State</th>
                <th scope="col">Attempts</th>
                <th scope="col">Proof</th>
                <th scope="col">Exemptions</th>
              </tr>
            </thead>
            <tbody>
              {request.systems.map((s: any) => (
                <tr data-system={s.systemId}>
                  <th scope="row">{s.systemId}</th>
                  <td>{s.action}</td>
                  <td>
                    <span class={`badge ${s.state === 'succeeded' ? 'ok' : s.state === 'failed' ? 'bad' : 'muted'}`}>
                      {s.state}
                    </span>
                    {s.lastError && (
                      <div class="hint">
                        {s.lastError.name}: {s.lastError.message}
                      </div>
                    )}
                  </td>
                  <td>{s.attempts}</td>
                  <td>
                    {s.proof ? (
                      <>
                        {s.proof.recordsAffected} record(s); changed {s.proof.fieldsChanged.join(', ') || 'nothing'};{' '}
                        {s.proof.verified ? 'verified by read-back' : 'not verified'}
                        {s.proof.verification ? ` (${s.proof.verification})` : ''}; {formatDateTime(s.proof.at, locale)}
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    {s.exemptions.length ? (
                      <ul>
                        {s.exemptions.map((e: any) => (
                          <li>
                            {e.field}: {words(e.basis)}
                            {e.citation ? ` (${e.citation})` : ''} until {formatDate(e.until, locale)}
                          </li>
                        ))}
                      </ul>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}

      <h2>Timeline</h2>
      {session.role !== 'auditor' && (
        <p class="hint">From the request record. The full audit trail is for auditors (Audit).</p>
      )}
      {!timeline ? (
        <p aria-busy="true">Loading…</p>
      ) : (
        <ol id="timeline">
          {timeline.map((e) => (
            <li>
              <time dateTime={e.at}>{formatDateTime(e.at, locale)}</time> — <strong>{e.what}</strong>
              {e.detail && <> · {e.detail}</>}
              {e.who && <> · by {e.who}</>}
            </li>
          ))}
        </ol>
      )}

      {operator && !terminal.includes(request.status) && <Actions ctx={ctx} request={request} onDone={refresh} />}
      {operator && ['needs_attention', 'partially_completed'].includes(request.status) && (
        <Retry ctx={ctx} id={id} onDone={refresh} />
      )}

      {(request.systems ?? []).some((s: any) => s.state === 'waiting' && s.waiting?.for === 'operator') && (
        <ManualTasks ctx={ctx} request={request} canClose={operator} onDone={refresh} />
      )}
    </>
  );
}

const actorName = (a: any) => (a ? `${a.role}${a.id ? ` ${a.id}` : ''}` : undefined);

/** What the record itself says happened, in order. */
function recordTimeline(r: any): TimelineEntry[] {
  const out: TimelineEntry[] = [{ at: r.receivedAt, what: 'received' }];
  if (r.verification?.verifiedAt)
    out.push({ at: r.verification.verifiedAt, what: `verified (${r.verification.method})` });
  if (r.extension)
    out.push({ at: r.extension.at, what: 'extended', who: actorName(r.extension.by), detail: r.extension.reason });
  if (r.denial) out.push({ at: r.denial.at, what: `refused: ${words(r.denial.reason)}`, who: actorName(r.denial.by) });
  if (r.cancelledAt) out.push({ at: r.cancelledAt, what: 'cancelled' });
  for (const s of r.systems ?? []) if (s.proof) out.push({ at: s.proof.at, what: `${s.systemId}: ${s.state}` });
  if (r.completedAt) out.push({ at: r.completedAt, what: words(r.status) });
  return out.sort((a, b) => a.at.localeCompare(b.at));
}

function Actions({ ctx, request, onDone }: { ctx: ConsoleContext; request: any; onDone: () => void }) {
  const { api, session } = ctx;
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  async function act(e: Event, action: 'extend' | 'deny') {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const body =
      action === 'extend'
        ? { reason: String(form.get('reason') ?? '') }
        : { reason: String(form.get('denyReason') ?? ''), detail: String(form.get('detail') ?? '') };
    try {
      await api('POST', `/v1/privacy-requests/${request.id}/${action}`, { token: session.token, body });
      setError(undefined);
      setDone(
        action === 'extend'
          ? 'Extended: the requester is told the new deadline and why.'
          : 'Refused: the requester is told why and how to complain.',
      );
      onDone();
    } catch (err) {
      setDone(undefined);
      setError(err instanceof ApiError ? `The API refused: ${err.message}` : String(err));
    }
  }
  return (
    <section aria-labelledby="actions">
      <h2 id="actions">Actions</h2>
      <div aria-live="polite">{done && <p class="success">{done}</p>}</div>
      {error && (
        <p class="error" role="alert" id="action-error">
          {error}
        </p>
      )}
      <form onSubmit={(e) => act(e, 'extend')} class="card" aria-labelledby="extend-heading">
        <h3 id="extend-heading">Extend the deadline</h3>
        <p class="hint">Once, before the first deadline passes: GDPR two further months, CCPA 45 days.</p>
        <label for="extend-reason">Reason (told to the requester, at least 10 characters)</label>
        <textarea id="extend-reason" name="reason" rows={2} cols={60} />
        <p>
          <button type="submit" disabled={Boolean(request.extension)}>
            Extend
          </button>
          {request.extension && <span class="hint"> Already extended once.</span>}
        </p>
      </form>
      <form onSubmit={(e) => act(e, 'deny')} class="card" aria-labelledby="deny-heading">
        <h3 id="deny-heading">Refuse the request</h3>
        <label for="deny-reason">Reason</label>
        <select id="deny-reason" name="denyReason">
          {denialReasons.map((r) => (
            <option value={r}>{words(r)}</option>
          ))}
        </select>
        <label for="deny-detail">Detail for the requester (at least 10 characters)</label>
        <textarea id="deny-detail" name="detail" rows={2} cols={60} />
        <p>
          <button type="submit" class="danger">
            Refuse
          </button>
        </p>
      </form>
    </section>
  );
}

function Retry({ ctx, id, onDone }: { ctx: ConsoleContext; id: string; onDone: () => void }) {
  const { api, session } = ctx;
  const [error, setError] = useState<string>();
  return (
    <section aria-labelledby="retry-heading" class="card">
      <h3 id="retry-heading">Retry the failed systems</h3>
      <p class="hint">Only the systems that failed run again, as a new run.</p>
      <button
        type="button"
        onClick={() =>
          api('POST', `/v1/privacy-requests/${id}/retry`, { token: session.token }).then(
            () => [setError(undefined), onDone()],
            (e: Error) => setError(`The API refused: ${e.message}`),
          )
        }
      >
        Retry
      </button>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

/**
 * A manual system's task (a paper archive, a vendor reached by email): the operator does the work by
 * hand and attests it here with a reference to the proof; "not possible" needs a reason and leaves
 * the request needing attention. The API enforces who may, and that each task is closed once.
 */
function ManualTasks({
  ctx,
  request,
  canClose,
  onDone,
}: {
  ctx: ConsoleContext;
  request: any;
  canClose: boolean;
  onDone: () => void;
}) {
  const { api, session, locale } = ctx;
  const [error, setError] = useState<string>();
  const [done, setDone] = useState<string>();
  const tasks = request.systems.filter((s: any) => s.state === 'waiting' && s.waiting?.for === 'operator');
  async function close(e: Event, systemId: string) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const outcome = String(form.get('outcome'));
    const records = String(form.get('records') ?? '').trim();
    const reason = String(form.get('reason') ?? '').trim();
    const body = {
      outcome,
      evidence: { reference: String(form.get('evidence') ?? '').trim() },
      ...(records ? { recordsAffected: Number(records) } : {}),
      ...(outcome === 'not_possible' && reason ? { reason } : {}),
    };
    try {
      await api('POST', `/v1/privacy-requests/${request.id}/systems/${systemId}/complete`, {
        token: session.token,
        body,
      });
      setError(undefined);
      setDone(
        outcome === 'done'
          ? `${systemId}: closed as done, with your evidence as its proof.`
          : `${systemId}: recorded as not possible; the request needs attention.`,
      );
      onDone();
    } catch (err) {
      setDone(undefined);
      setError(err instanceof ApiError ? `The API refused: ${err.message}` : String(err));
    }
  }
  return (
    <section class="card manual-tasks" aria-labelledby="manual-tasks">
      <h2 id="manual-tasks">Manual tasks</h2>
      <div aria-live="polite">{done && <p class="success">{done}</p>}</div>
      {error && (
        <p class="error" role="alert" id="manual-error">
          {error}
        </p>
      )}
      {tasks.map((t: any) => (
        <form onSubmit={(e) => close(e, t.systemId)} aria-labelledby={`manual-${t.systemId}`} data-manual={t.systemId}>
          <h3 id={`manual-${t.systemId}`}>
            {t.systemId}: {t.action} by hand
          </h3>
          <p class="hint">
            Waiting since {formatDateTime(t.waiting.since, locale)}; the step fails if not closed by{' '}
            {formatDateTime(t.waiting.until, locale)}.
          </p>
          {canClose ? (
            <>
              <fieldset>
                <legend>Outcome</legend>
                <label>
                  <input type="radio" name="outcome" value="done" checked /> Done
                </label>
                <label>
                  <input type="radio" name="outcome" value="not_possible" /> Not possible
                </label>
              </fieldset>
              <label for={`evidence-${t.systemId}`}>
                Evidence reference (a ticket or document id, no personal data)
              </label>
              <input id={`evidence-${t.systemId}`} name="evidence" required minLength={3} maxLength={200} />
              <label for={`records-${t.systemId}`}>Records affected</label>
              <input id={`records-${t.systemId}`} name="records" type="number" min={0} inputMode="numeric" />
              <label for={`reason-${t.systemId}`}>Why it was not possible (only then)</label>
              <textarea id={`reason-${t.systemId}`} name="reason" rows={2} cols={60} />
              <p>
                <button type="submit">Close the task</button>
              </p>
            </>
          ) : (
            <p class="hint">An operator closes it.</p>
          )}
        </form>
      ))}
    </section>
  );
}
