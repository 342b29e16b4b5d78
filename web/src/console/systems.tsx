/**
 * Connected systems: the registry, and each system's last outcome where the API can tell it (an
 * auditor reads it from the audit log: the last request.system_succeeded / _failed of 30 days).
 */
import { useEffect, useState } from 'preact/hooks';
import { formatDateTime } from '../shared/format.ts';
import type { ConsoleContext } from './context.ts';

interface LastOutcome {
  at: string;
  action: string;
  requestId?: string;
}

export function SystemsView({ ctx }: { ctx: ConsoleContext }) {
  const { api, session, locale } = ctx;
  const [systems, setSystems] = useState<any[]>();
  const [last, setLast] = useState<Map<string, LastOutcome>>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    api('GET', '/v1/systems', { token: session.token }).then(
      (r) => setSystems(r.items),
      (e: Error) => setError(e.message),
    );
    if (session.role !== 'auditor') return;
    const from = new Date(Date.now() - 30 * 86_400_000).toISOString();
    Promise.all(
      ['request.system_succeeded', 'request.system_failed'].map((action) =>
        api('GET', '/v1/audit/events', { token: session.token, query: { from, action, limit: '1000' } }),
      ),
    ).then(
      (pages) => {
        const byId = new Map<string, LastOutcome>();
        for (const e of pages.flatMap((p) => p.items)) {
          const id = e.target?.systemId;
          if (id && !(byId.get(id)?.at ?? '' > e.at))
            byId.set(id, { at: e.at, action: e.action, requestId: e.target?.requestId });
        }
        setLast(byId);
      },
      (e: Error) => setError(e.message),
    );
  }, []);

  return (
    <>
      <h1>Connected systems</h1>
      {session.role !== 'auditor' && <p class="hint">Last outcomes come from the audit log, which auditors read.</p>}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!systems ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : (
        <div class="table-scroll">
          <table>
            <thead>
              <tr>
                <th scope="col">System</th>
                <th scope="col">Connector</th>
                <th scope="col">Capabilities</th>
                <th scope="col">Data categories</th>
                <th scope="col">Registered / updated</th>
                {last && <th scope="col">Last outcome (30 days)</th>}
              </tr>
            </thead>
            <tbody>
              {systems.map((s) => {
                const l = last?.get(s.systemId);
                return (
                  <tr data-system={s.systemId}>
                    <th scope="row">
                      {s.name} <span class="mono hint">{s.systemId}</span>
                    </th>
                    <td>{s.connector?.kind}</td>
                    <td>{(s.capabilities ?? []).join(', ')}</td>
                    <td>{(s.dataCategories ?? s.categories ?? []).join(', ')}</td>
                    <td>{formatDateTime(s.updatedAt, locale)}</td>
                    {last && (
                      <td>
                        {l ? (
                          <>
                            <span class={`badge ${l.action.endsWith('succeeded') ? 'ok' : 'bad'}`}>
                              {l.action.endsWith('succeeded') ? 'succeeded' : 'failed'}
                            </span>{' '}
                            {formatDateTime(l.at, locale)}
                            {l.requestId && (
                              <>
                                {' '}
                                ·{' '}
                                <a href={`/console/requests/${l.requestId}`} data-route class="mono">
                                  {l.requestId}
                                </a>
                              </>
                            )}
                          </>
                        ) : (
                          'none'
                        )}
                      </td>
                    )}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
