/**
 * The record of processing activities (GDPR Art. 30) for auditors: GET /v1/reports/ropa as a printable
 * page (the print stylesheet drops the navigation), and the API's CSV as a download.
 */
import { useEffect, useState } from 'preact/hooks';
import { send } from '../shared/api.ts';
import { formatDateTime } from '../shared/format.ts';
import type { ConsoleContext } from './context.ts';

interface Activity {
  id: string;
  name: string;
  purposes: string[];
  legalBases: string[];
  subjects: string[];
  dataCategories: string[];
  recipients: string[];
  transfers: { to: string; safeguard: string }[];
  retention: string[];
  systems: string[];
  gaps: string[];
}
interface Ropa {
  generatedAt: string;
  controller: { name: string | null; contact: string | null };
  dpo: { contact: string | null };
  activities: Activity[];
  securityMeasures: string[];
}

const words = (list: string[]) => (list.length ? list.join(', ').replace(/_/g, ' ') : '—');

export function RopaView({ ctx }: { ctx: ConsoleContext }) {
  const { api, apiUrl, session, locale } = ctx;
  const [record, setRecord] = useState<Ropa>();
  const [error, setError] = useState<string>();

  useEffect(() => {
    api('GET', '/v1/reports/ropa', { token: session.token }).then(setRecord, (e: Error) => setError(e.message));
  }, []);

  const download = async () => {
    try {
      const res = await send(apiUrl, 'GET', '/v1/reports/ropa', { token: session.token, query: { format: 'csv' } });
      const url = URL.createObjectURL(await res.blob());
      const a = Object.assign(document.createElement('a'), { href: url, download: 'record-of-processing.csv' });
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (e) {
      setError((e as Error).message);
    }
  };

  return (
    <>
      <h1>Record of processing activities</h1>
      <p class="lead">GDPR Art. 30(1), generated from the consent catalog and the connected systems' registrations.</p>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!record ? (
        !error && <p aria-busy="true">Loading…</p>
      ) : (
        <>
          <p class="row no-print">
            <button type="button" onClick={() => print()}>
              Print
            </button>
            <button type="button" class="secondary" onClick={download}>
              Download CSV
            </button>
          </p>
          <dl class="facts" data-parties>
            <dt>Controller</dt>
            <dd>
              {record.controller.name ?? 'Not configured (CONTROLLER_NAME)'}
              {record.controller.contact && `, ${record.controller.contact}`}
            </dd>
            <dt>Data protection officer</dt>
            <dd>{record.dpo.contact ?? 'Not configured (DPO_CONTACT)'}</dd>
            <dt>Generated</dt>
            <dd>{formatDateTime(record.generatedAt, locale)}</dd>
          </dl>
          <h2>Processing activities</h2>
          <div class="table-scroll">
            <table id="ropa-activities">
              <thead>
                <tr>
                  <th scope="col">Activity</th>
                  <th scope="col">Purposes</th>
                  <th scope="col">Legal bases</th>
                  <th scope="col">Data subjects</th>
                  <th scope="col">Personal data</th>
                  <th scope="col">Recipients</th>
                  <th scope="col">Transfers</th>
                  <th scope="col">Time limits for erasure</th>
                  <th scope="col">Systems</th>
                </tr>
              </thead>
              <tbody>
                {record.activities.map((a) => (
                  <tr data-activity={a.id}>
                    <th scope="row">
                      {a.name}
                      {a.gaps.map((g) => (
                        <span class="hint" style="display:block">
                          Not yet recorded: {g}
                        </span>
                      ))}
                    </th>
                    <td>{a.purposes.join('; ') || '—'}</td>
                    <td>{words(a.legalBases)}</td>
                    <td>{words(a.subjects)}</td>
                    <td>{words(a.dataCategories)}</td>
                    <td>{a.recipients.join('; ') || '—'}</td>
                    <td>{a.transfers.map((t) => `${t.to} (${t.safeguard})`).join('; ') || 'None'}</td>
                    <td>{a.retention.join('; ') || '—'}</td>
                    <td>{a.systems.join(', ') || '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>Security measures (Art. 32)</h2>
          <ul>
            {record.securityMeasures.map((m) => (
              <li>{m}</li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}
