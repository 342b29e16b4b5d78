/**
 * Following a request: the code step while one is awaited, then where it stands (received, verified,
 * in each system, answered), the answer with anything kept by law explained, and the report.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { formatDate, formatDateTime } from '../shared/format.ts';
import { requesterHeaders, type CenterContext, type Right } from './context.ts';
import { isKey } from './i18n.ts';

const terminal = ['completed', 'partially_completed', 'denied', 'unverified', 'cancelled'];

interface SystemOutcome {
  systemId: string;
  action: string;
  state: string;
  exemptions: { field: string; basis: string; citation?: string; until: string }[];
  proof?: { verified: boolean; at: string };
}

export function FollowRequest({ ctx, id }: { ctx: CenterContext; id: string }) {
  const { t, api, session, locale } = ctx;
  const [request, setRequest] = useState<any>();
  const [error, setError] = useState<string>();
  const [tick, setTick] = useState(0);
  const auth = { token: session?.token, headers: requesterHeaders(id) };

  useEffect(() => {
    let stop = false;
    api('GET', `/v1/privacy-requests/${id}`, auth)
      .then((r) => !stop && (setRequest(r), setError(undefined)))
      .catch(
        (e: ApiError) =>
          !stop && setError(e.status === 404 || e.status === 401 || e.status === 403 ? t('notFound') : e.message),
      );
    return () => void (stop = true);
  }, [id, tick]);

  // Until it is final, look again every second and a half.
  useEffect(() => {
    if (request && terminal.includes(request.status)) return;
    const timer = setTimeout(() => setTick((n) => n + 1), 1500);
    return () => clearTimeout(timer);
  }, [request, tick]);

  if (error && !request)
    return (
      <>
        <h1>{t('followTitle', { id })}</h1>
        <p class="error" role="alert">
          {error}
        </p>
      </>
    );
  if (!request)
    return (
      <>
        <h1>{t('followTitle', { id })}</h1>
        <p aria-busy="true">{t('loading')}</p>
      </>
    );

  const status: string = request.status;
  const systems: SystemOutcome[] = request.systems ?? [];
  const exemptions = systems.flatMap((s) => s.exemptions.map((e) => ({ ...e, systemId: s.systemId })));
  const verified = request.verification?.state === 'verified';
  const stepOrder = ['received', 'verified', 'in_progress', 'completed'] as const;
  const reached =
    terminal.includes(status) && verified
      ? 4
      : status === 'in_progress' || status === 'needs_attention'
        ? 3
        : verified
          ? 2
          : 1;

  return (
    <>
      <h1>{t('followTitle', { id })}</h1>
      <p class="lead">
        {t(`right.${request.type as Right}`)} · {t('followLead')}
      </p>
      <ol class="steps" aria-label={t('status')}>
        {stepOrder.map((s, i) => (
          <li
            class={
              i + 1 < reached || (i + 1 === reached && terminal.includes(status))
                ? 'done'
                : i + 1 === reached
                  ? 'current'
                  : ''
            }
            aria-current={i + 1 === reached ? 'step' : undefined}
          >
            {t(`step.${s}`)}
          </li>
        ))}
      </ol>
      <dl class="facts">
        <dt>{t('status')}</dt>
        <dd>
          <strong id="request-status" role="status">
            {isKey(`status.${status}`) ? t(`status.${status}` as never) : status}
          </strong>
        </dd>
        <dt>{t('receivedAt')}</dt>
        <dd>{formatDateTime(request.receivedAt, locale)}</dd>
        <dt>{t('dueAt')}</dt>
        <dd>
          {formatDate(request.extension?.extendedDueAt ?? request.dueAt, locale)}
          {request.extension && (
            <>
              {' '}
              (
              {t('extendedTo', {
                date: formatDate(request.extension.extendedDueAt, locale),
                reason: request.extension.reason,
              })}
              )
            </>
          )}
        </dd>
      </dl>
      {status === 'pending_verification' && request.verification?.method === 'code' && (
        <CodeStep ctx={ctx} id={id} onVerified={() => setTick((n) => n + 1)} />
      )}
      {request.outcome && (
        <section aria-labelledby="answer">
          <h2 id="answer">{t('answer')}</h2>
          <p class={status === 'completed' ? 'success' : 'notice'}>
            {isKey(`outcome.${request.outcome.result}`)
              ? t(`outcome.${request.outcome.result}` as never)
              : request.outcome.result}
            {request.denial && <> {t('denialReason', { reason: request.denial.reason.replaceAll('_', ' ') })}</>}
          </p>
        </section>
      )}
      {systems.length > 0 && (
        <section aria-labelledby="systems">
          <h2 id="systems">{t('systems')}</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('system')}</th>
                <th scope="col">{t('state')}</th>
              </tr>
            </thead>
            <tbody>
              {systems.map((s) => (
                <tr>
                  <th scope="row">{s.systemId}</th>
                  <td>
                    {isKey(`task.${s.state}`) ? t(`task.${s.state}` as never) : s.state}
                    {s.proof?.verified && <> · {t('verifiedReadBack')}</>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {exemptions.length > 0 && (
        <section aria-labelledby="kept">
          <h2 id="kept">{t('kept')}</h2>
          <p>{t('keptLead')}</p>
          <table>
            <thead>
              <tr>
                <th scope="col">{t('system')}</th>
                <th scope="col">{t('field')}</th>
                <th scope="col">{t('basis')}</th>
                <th scope="col">{t('until')}</th>
              </tr>
            </thead>
            <tbody>
              {exemptions.map((e) => (
                <tr>
                  <td>{e.systemId}</td>
                  <td>{e.field}</td>
                  <td>
                    {e.basis.replaceAll('_', ' ')}
                    {e.citation && <> ({e.citation})</>}
                  </td>
                  <td>{formatDate(e.until, locale)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      )}
      {request.outcome?.result === 'report_ready' && <ReportLinks ctx={ctx} id={id} />}
      {(status === 'pending_verification' || status === 'received') && (
        <CancelButton ctx={ctx} id={id} onDone={() => setTick((n) => n + 1)} />
      )}
      <p>
        <a href="/" data-route>
          {t('back')}
        </a>
      </p>
    </>
  );
}

function CodeStep({ ctx, id, onVerified }: { ctx: CenterContext; id: string; onVerified: () => void }) {
  const { t, api } = ctx;
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  async function verify(e: Event) {
    e.preventDefault();
    const code = String(new FormData(e.target as HTMLFormElement).get('code') ?? '').trim();
    if (!/^\d{6}$/.test(code)) return setError(t('codeFormat'));
    setBusy(true);
    try {
      await api('POST', `/v1/privacy-requests/${id}/verification`, { body: { code } });
      setError(undefined);
      onVerified();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }
  return (
    <section aria-labelledby="code-heading" class="card">
      <h2 id="code-heading">{t('codeTitle')}</h2>
      <p id="code-hint">{t('codeLead')}</p>
      <form onSubmit={verify} noValidate>
        <label for="code">{t('code')}</label>
        <input
          id="code"
          name="code"
          inputMode="numeric"
          autocomplete="one-time-code"
          pattern="\d{6}"
          maxLength={6}
          aria-describedby="code-hint"
          aria-invalid={error ? 'true' : undefined}
        />
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <p>
          <button type="submit" disabled={busy}>
            {t('verify')}
          </button>
        </p>
      </form>
    </section>
  );
}

function ReportLinks({ ctx, id }: { ctx: CenterContext; id: string }) {
  const { t, api, session, locale } = ctx;
  const [links, setLinks] = useState<Record<string, { url: string; expiresAt: string }>>({});
  const [error, setError] = useState<string>();
  async function fetchLink(format: 'json' | 'csv') {
    try {
      const link = await api('GET', `/v1/privacy-requests/${id}/report`, {
        token: session?.token,
        headers: requesterHeaders(id),
        query: { format },
      });
      setLinks((l) => ({ ...l, [format]: link }));
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }
  return (
    <section aria-labelledby="download">
      <h2 id="download">{t('download')}</h2>
      <div class="row">
        {(['json', 'csv'] as const).map((f) =>
          links[f] ? (
            <p>
              <a class="button" href={links[f].url} download={`report-${id}.${f}`}>
                {t(f === 'json' ? 'downloadJson' : 'downloadCsv')}
              </a>{' '}
              <span class="hint">{t('linkExpires', { date: formatDateTime(links[f].expiresAt, locale) })}</span>
            </p>
          ) : (
            <button type="button" class="secondary" onClick={() => fetchLink(f)}>
              {t(f === 'json' ? 'downloadJson' : 'downloadCsv')}
            </button>
          ),
        )}
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}

function CancelButton({ ctx, id, onDone }: { ctx: CenterContext; id: string; onDone: () => void }) {
  const { t, api, session } = ctx;
  const [error, setError] = useState<string>();
  return (
    <>
      <p>
        <button
          type="button"
          class="secondary"
          onClick={() =>
            api('POST', `/v1/privacy-requests/${id}/cancel`, { token: session?.token, headers: requesterHeaders(id) })
              .then(onDone)
              .catch((e: Error) => setError(e.message))
          }
        >
          {t('cancel')}
        </button>
      </p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
