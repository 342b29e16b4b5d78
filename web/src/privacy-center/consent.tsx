/**
 * Consent: every purpose and channel of the catalog with the notice it is given under. A switch
 * saves at once (POST /v1/consents): turning it off is the same one click as turning it on. A Global
 * Privacy Control signal the browser sends is honoured by the API; the page says when it was.
 */
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { signInHref } from '../shared/session.ts';
import type { CenterContext } from './context.ts';
import { isKey, purposeWords } from './i18n.ts';

interface Catalog {
  purposes: {
    purpose: string;
    title: string;
    description: string;
    notice: string;
    model: Record<string, 'opt_in' | 'opt_out'>;
    channels: string[];
  }[];
  channels: string[];
  notices: { id: string; version: string; text: string; url: string; language: string }[];
}
interface Current {
  consents: { purpose: string; channel: string; state: string }[];
  flags?: Record<string, boolean>;
}

export function ConsentView({ ctx }: { ctx: CenterContext }) {
  const { t, api, session, lang, config } = ctx;
  const [catalog, setCatalog] = useState<Catalog>();
  const [current, setCurrent] = useState<Current>();
  const [jurisdiction, setJurisdiction] = useState<'GDPR' | 'CCPA'>('GDPR');
  const [saving, setSaving] = useState<string>();
  // The switch shows the choice at once; the answer of the API confirms it (or puts it back).
  const [optimistic, setOptimistic] = useState<Record<string, boolean>>({});
  const [message, setMessage] = useState<string>();
  const [gpcHonored, setGpcHonored] = useState(false);
  const [optOutRequest, setOptOutRequest] = useState<string>();
  const [error, setError] = useState<string>();
  const gpc = (navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl === true;

  useEffect(() => {
    api<Catalog>('GET', '/v1/consent/catalog').then(setCatalog, (e: Error) => setError(e.message));
  }, []);
  const reload = () =>
    session &&
    api<Current>('GET', `/v1/subjects/${encodeURIComponent(session.sub)}/consents`, { token: session.token }).then(
      setCurrent,
      (e: Error) => setError(e.message),
    );
  useEffect(() => void reload(), [session?.sub]);

  if (!catalog)
    return (
      <>
        <h1>{t('consentTitle')}</h1>
        {error ? (
          <p class="error" role="alert">
            {t('error', { message: error })}
          </p>
        ) : (
          <p aria-busy="true">{t('loading')}</p>
        )}
      </>
    );

  const words = (p: Catalog['purposes'][number]) => (lang === 'zh-CN' && purposeWords[p.purpose]) || p;
  const channelName = (c: string) => (isKey(`channel.${c}`) ? t(`channel.${c}` as never) : c);
  const recorded = (purpose: string, channel: string) =>
    current?.consents.find((c) => c.purpose === purpose && c.channel === channel)?.state;
  const isOn = (p: Catalog['purposes'][number], channel: string) => {
    const shown = optimistic[`${p.purpose}:${channel}`];
    if (shown !== undefined) return shown;
    const state = recorded(p.purpose, channel);
    if (state) return state === 'granted';
    const optedOut = current?.flags?.optOutSale || current?.flags?.optOutSharing;
    return p.model[jurisdiction] === 'opt_out' && !optedOut;
  };

  async function change(p: Catalog['purposes'][number], channel: string, on: boolean) {
    if (!session || !catalog) return;
    const notice = catalog.notices.find((n) => n.id === p.notice)!;
    const id = `${p.purpose}:${channel}`;
    const state = on ? 'granted' : recorded(p.purpose, channel) === 'granted' ? 'withdrawn' : 'denied';
    setSaving(id);
    setOptimistic((o) => ({ ...o, [id]: on }));
    setError(undefined);
    try {
      const answer = await api('POST', '/v1/consents', {
        token: session.token,
        body: {
          choices: [{ purpose: p.purpose, channel, state }],
          jurisdiction,
          notice: { id: notice.id, version: notice.version },
          method: 'web',
          evidence: { userAgent: navigator.userAgent.slice(0, 500), reference: 'privacy-center' },
        },
      });
      if (answer.gpcHonored) setGpcHonored(true);
      if (answer.optOutRequestId) setOptOutRequest(answer.optOutRequestId);
      setMessage(t('saved', { purpose: words(p).title, channel: channelName(channel), state: t(`state.${state}`) }));
      await reload();
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setOptimistic((o) => {
        const { [id]: _done, ...rest } = o;
        return rest;
      });
      setSaving(undefined);
    }
  }

  const flags = Object.entries(current?.flags ?? {}).filter(([, v]) => v);
  return (
    <>
      <h1>{t('consentTitle')}</h1>
      <p class="lead">{session ? t('consentLead') : t('consentNotSignedIn')}</p>
      {!session && config.signIn.url && (
        <p class="notice">
          {t('consentSignIn')} <a href={signInHref(config.signIn.url, 'customer', '/consent')}>{t('signIn')}</a>
        </p>
      )}
      {gpc && !gpcHonored && <p class="notice">{t('gpcDetected')}</p>}
      {gpcHonored && (
        <p class="success" id="gpc-honored">
          {t('gpcHonored')}
        </p>
      )}
      {optOutRequest && <p class="notice">{t('optOutFiled', { id: optOutRequest })}</p>}
      <div aria-live="polite" id="consent-saved">
        {message && <p class="success">{message}</p>}
      </div>
      {error && (
        <p class="error" role="alert">
          {t('error', { message: error })}
        </p>
      )}
      {session && (
        <fieldset>
          <legend>{t('whereYouLive')}</legend>
          {(['GDPR', 'CCPA'] as const).map((j) => (
            <label class="switch">
              <input
                type="radio"
                name="consent-jurisdiction"
                checked={jurisdiction === j}
                onChange={() => setJurisdiction(j)}
              />{' '}
              {t(`jurisdiction.${j}`)}
            </label>
          ))}
        </fieldset>
      )}
      {flags.length > 0 && (
        <p>
          {t('flags')}:{' '}
          {flags.map(([k]) => (
            <span class="badge warn">{isKey(`flag.${k}`) ? t(`flag.${k}` as never) : k}</span>
          ))}
        </p>
      )}
      {catalog.purposes.map((p) => {
        const notice = catalog.notices.find((n) => n.id === p.notice);
        const noticeId = `notice-${p.purpose}`;
        return (
          <fieldset class="card" aria-describedby={noticeId}>
            <legend>{words(p).title}</legend>
            <p>{words(p).description}</p>
            {notice && (
              <p class="hint" id={noticeId}>
                {t('notice', { id: notice.id, version: notice.version })}:{' '}
                <span lang={notice.language}>{notice.text}</span>
              </p>
            )}
            <div class="row">
              {p.channels.map((c) => {
                const id = `${p.purpose}:${c}`;
                return (
                  <label class="switch" for={`c-${p.purpose}-${c}`}>
                    <input
                      id={`c-${p.purpose}-${c}`}
                      type="checkbox"
                      role="switch"
                      checked={isOn(p, c)}
                      aria-checked={isOn(p, c)}
                      disabled={!session}
                      aria-busy={saving === id ? 'true' : undefined}
                      aria-label={t('toggleLabel', { purpose: words(p).title, channel: channelName(c) })}
                      onChange={(e) => change(p, c, (e.target as HTMLInputElement).checked)}
                      data-consent={id}
                    />
                    {channelName(c)}
                  </label>
                );
              })}
            </div>
          </fieldset>
        );
      })}
    </>
  );
}
