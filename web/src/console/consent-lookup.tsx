/** A customer's consents now or as they stood at an instant (rebuilt from the ledger), with the evidence of each. */
import { useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { formatDateTime } from '../shared/format.ts';
import { instant, words, type ConsoleContext } from './context.ts';

export function ConsentLookup({ ctx }: { ctx: ConsoleContext }) {
  const { api, session, locale } = ctx;
  const [answer, setAnswer] = useState<any>();
  const [error, setError] = useState<string>();

  async function look(e: Event) {
    e.preventDefault();
    const form = new FormData(e.target as HTMLFormElement);
    const ecifId = String(form.get('ecifId') ?? '').trim();
    const asOf = instant(String(form.get('asOf') ?? ''));
    try {
      setAnswer(
        await api('GET', `/v1/subjects/${encodeURIComponent(ecifId)}/consents`, {
          token: session.token,
          query: { asOf },
        }),
      );
      setError(undefined);
    } catch (err) {
      setAnswer(undefined);
      setError(err instanceof ApiError ? err.message : String(err));
    }
  }

  const flags = Object.entries(answer?.flags ?? {});
  return (
    <>
      <h1>Consent lookup</h1>
      <form onSubmit={look} class="row" aria-label="Look up a customer's consents">
        <div>
          <label for="c-ecif">Customer (ecifId)</label>
          <input id="c-ecif" name="ecifId" required />
        </div>
        <div>
          <label for="c-asof">
            As of <span class="hint">(empty: now)</span>
          </label>
          <input id="c-asof" name="asOf" type="datetime-local" />
        </div>
        <div>
          <button type="submit">Look up</button>
        </div>
      </form>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {answer && (
        <>
          <h2>
            {answer.ecifId} {answer.asOf ? `as of ${formatDateTime(answer.asOf, locale)}` : 'now'}
          </h2>
          {flags.length > 0 && (
            <p>
              Flags:{' '}
              {flags.map(([k, v]) => (
                <span class={`badge ${v ? 'warn' : 'muted'}`}>
                  {k}: {v ? 'yes' : 'no'}
                </span>
              ))}
            </p>
          )}
          {answer.consents.length === 0 ? (
            <p>No consent recorded.</p>
          ) : (
            <div class="table-scroll">
              <table id="consent-table">
                <thead>
                  <tr>
                    <th scope="col">Purpose</th>
                    <th scope="col">Channel</th>
                    <th scope="col">State</th>
                    <th scope="col">Captured</th>
                    <th scope="col">Notice</th>
                    <th scope="col">Evidence</th>
                  </tr>
                </thead>
                <tbody>
                  {answer.consents.map((c: any) => (
                    <tr>
                      <td>{words(c.purpose)}</td>
                      <td>{c.channel}</td>
                      <td>{c.state}</td>
                      <td>{formatDateTime(c.capturedAt, locale)}</td>
                      <td>
                        {c.notice
                          ? `${c.notice.id} v${c.notice.version}`
                          : c.evidence
                            ? `${c.evidence.notice.id} v${c.evidence.notice.version}`
                            : ''}
                      </td>
                      <td>
                        {c.evidence ? (
                          <>
                            method {c.evidence.method}, {words(c.evidence.lawfulBasis)}, by{' '}
                            {c.evidence.evidence?.actorRole}, receipt <span class="mono">{c.evidence.receiptId}</span>
                          </>
                        ) : (
                          <span class="hint">pick an "as of" date for the evidence of each entry</span>
                        )}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </>
  );
}
