/** The console: privacy operators watch the queue and act on requests; auditors search, verify and export. */
import { type JSX, render } from 'preact';
import { apiClient } from '../shared/api.ts';
import { loadConfig, type WebConfig } from '../shared/config.ts';
import { onLinkClick, useFocusHeading, useLocation } from '../shared/router.ts';
import { currentSession, signInHref, signOut, takeTokenFromUrl } from '../shared/session.ts';
import '../shared/styles.css';
import { AuditView } from './audit.tsx';
import { ConsentLookup } from './consent-lookup.tsx';
import { DashboardView } from './dashboard.tsx';
import type { ConsoleContext } from './context.ts';
import { QueueView } from './queue.tsx';
import { RequestView } from './request.tsx';
import { RopaView } from './ropa.tsx';
import { SystemsView } from './systems.tsx';

const staff = ['operator', 'auditor'];
const sections = [
  { path: '/console', label: 'Requests' },
  { path: '/console/audit', label: 'Audit' },
  { path: '/console/consents', label: 'Consent lookup' },
  { path: '/console/systems', label: 'Connected systems' },
  { path: '/console/dashboard', label: 'Dashboard' },
  { path: '/console/ropa', label: 'Record of processing' },
];

function App({ config }: { config: WebConfig }) {
  const { path } = useLocation();
  useFocusHeading(path);
  const session = currentSession();
  const locale = navigator.language;
  const here = location.pathname + location.search;

  if (!session || !staff.includes(session.role)) {
    document.title = 'Sign in · Custodian console';
    return (
      <main id="main">
        <h1>Custodian console</h1>
        <p class="lead">For privacy operators and auditors.</p>
        {session && (
          <p class="error" role="alert">
            Signed in as {session.role}: the console is for operators and auditors.
          </p>
        )}
        {config.signIn.url ? (
          <p class="row">
            <a class="button" href={signInHref(config.signIn.url, 'operator', here)}>
              Sign in as an operator
            </a>
            <a class="button secondary" href={signInHref(config.signIn.url, 'auditor', here)}>
              Sign in as an auditor
            </a>
          </p>
        ) : (
          <p class="notice">No sign-in is configured for this deployment (config.json).</p>
        )}
      </main>
    );
  }

  const ctx: ConsoleContext = {
    api: apiClient(config.apiUrl),
    apiUrl: config.apiUrl,
    exportApiUrl: config.exportApiUrl,
    session,
    locale,
  };
  const request = /^\/console\/requests\/([0-9A-Z]{26})$/.exec(path);
  let view: JSX.Element;
  let title: string;
  if (request) [view, title] = [<RequestView ctx={ctx} id={request[1]} />, `Request ${request[1]}`];
  else if (path === '/console/audit') [view, title] = [<AuditView ctx={ctx} />, 'Audit'];
  else if (path === '/console/consents') [view, title] = [<ConsentLookup ctx={ctx} />, 'Consent lookup'];
  else if (path === '/console/dashboard') [view, title] = [<DashboardView ctx={ctx} />, 'Dashboard'];
  else if (path === '/console/ropa') [view, title] = [<RopaView ctx={ctx} />, 'Record of processing'];
  else if (path === '/console/systems') [view, title] = [<SystemsView ctx={ctx} />, 'Connected systems'];
  else [view, title] = [<QueueView ctx={ctx} />, 'Requests'];
  document.title = `${title} · Custodian console`;

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents lint/a11y/noStaticElementInteractions: delegation of the links' own clicks (Enter on a link fires click); the div itself is not interactive.
    <div onClick={onLinkClick}>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href="/console" data-route>
          Custodian console
        </a>
        <nav aria-label="Console">
          <ul>
            {sections.map((s) => (
              <li>
                <a
                  href={s.path}
                  data-route
                  aria-current={path === s.path || (s.path === '/console' && request) ? 'page' : undefined}
                >
                  {s.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="who">
          <span>
            Signed in as <strong>{session.role}</strong> ({session.sub})
          </span>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              signOut();
              location.assign('/console');
            }}
          >
            Sign out
          </button>
        </div>
      </header>
      <main id="main" class="wide">
        {view}
      </main>
    </div>
  );
}

takeTokenFromUrl();
const root = document.getElementById('app')!;
loadConfig()
  .then((config) => render(<App config={config} />, root))
  .catch((e: Error) =>
    render(
      <main>
        <h1>Custodian console</h1>
        <p class="error" role="alert">
          {e.message}
        </p>
      </main>,
      root,
    ),
  );
