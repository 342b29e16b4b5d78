/** The privacy center: customers choose a right, follow their requests and manage their consent. */
import { type JSX, render } from 'preact';
import { apiClient } from '../shared/api.ts';
import { loadConfig, type WebConfig } from '../shared/config.ts';
import { onLinkClick, useFocusHeading, useLocation } from '../shared/router.ts';
import { currentSession, signInHref, signOut, takeTokenFromUrl } from '../shared/session.ts';
import '../shared/styles.css';
import { ConsentView } from './consent.tsx';
import { rights, knownRequests, type CenterContext, type Right } from './context.ts';
import { FollowRequest } from './follow-request.tsx';
import { dateLocale, languages, translator, useLang } from './i18n.ts';
import { RequestForm } from './request-form.tsx';

function App({ config }: { config: WebConfig }) {
  const [lang, setLang] = useLang();
  const { path, search } = useLocation();
  useFocusHeading(path);
  const session = currentSession();
  // The privacy center is for customers: another role's token is not used here.
  const customer = session?.role === 'customer' ? session : undefined;
  const t = translator(lang);
  const ctx: CenterContext = {
    api: apiClient(config.apiUrl),
    config,
    session: customer,
    t,
    lang,
    locale: dateLocale(lang),
  };
  document.title = t('title');

  let view: JSX.Element;
  const follow = /^\/requests\/([0-9A-Z]{26})$/.exec(path);
  if (path === '/request' && rights.includes(search.get('type') as Right))
    view = <RequestForm ctx={ctx} right={search.get('type') as Right} />;
  else if (follow) view = <FollowRequest ctx={ctx} id={follow[1]} />;
  else if (path === '/consent') view = <ConsentView ctx={ctx} />;
  else view = <Home ctx={ctx} />;

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: delegation of the links' own clicks (Enter on a link fires click); the div itself is not interactive.
    <div onClick={onLinkClick}>
      <a class="skip" href="#main">
        {t('skip')}
      </a>
      <header class="top">
        <a class="brand" href="/" data-route>
          {t('title')}
        </a>
        <div class="who">
          <label class="switch" for="lang">
            {t('language')}
          </label>
          <select id="lang" value={lang} onChange={(e) => setLang((e.target as HTMLSelectElement).value as never)}>
            {languages.map((l) => (
              <option value={l.lang} lang={l.lang}>
                {l.name}
              </option>
            ))}
          </select>
          {customer ? (
            <>
              <span>{t('signedInAs', { sub: customer.sub })}</span>
              <button
                class="secondary"
                type="button"
                onClick={() => {
                  signOut();
                  location.assign('/');
                }}
              >
                {t('signOut')}
              </button>
            </>
          ) : config.signIn.url ? (
            <a class="button secondary" href={signInHref(config.signIn.url, 'customer', path + location.search)}>
              {t('signIn')}
            </a>
          ) : null}
        </div>
      </header>
      <main id="main">{view}</main>
    </div>
  );
}

function Home({ ctx }: { ctx: CenterContext }) {
  const { t } = ctx;
  const mine = knownRequests();
  return (
    <>
      <h1>{t('home')}</h1>
      <p class="lead">{t('homeLead')}</p>
      <h2 id="rights-heading">{t('chooseRight')}</h2>
      <ul class="rights" aria-labelledby="rights-heading">
        {rights.map((r) => (
          <li>
            <a href={`/request?type=${r}`} data-route>
              <strong>{t(`right.${r}`)}</strong>
              <span>{t(`right.${r}.hint`)}</span>
            </a>
          </li>
        ))}
      </ul>
      <h2>{t('manageConsent')}</h2>
      <p>
        {t('manageConsentHint')}{' '}
        <a href="/consent" data-route>
          {t('manageConsent')}
        </a>
      </p>
      {mine.length > 0 && (
        <>
          <h2>{t('yourRequests')}</h2>
          <ul>
            {mine.map((r) => (
              <li>
                <a href={`/requests/${r.id}`} data-route>
                  {t(`right.${r.type as Right}`)} · <span class="mono">{r.id}</span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </>
  );
}

takeTokenFromUrl();
const root = document.getElementById('app')!;
loadConfig()
  .then((config) => render(<App config={config} />, root))
  .catch((e: Error) =>
    render(
      <main>
        <h1>Privacy center</h1>
        <p class="error" role="alert">
          {e.message}
        </p>
      </main>,
      root,
    ),
  );
