/**
 * The signed-in person, if any: a bearer token kept for this tab only (sessionStorage), taken from
 * the `#access_token=` fragment the sign-in page (local dev issuer, or Cognito's hosted sign-in with
 * the implicit grant) sends the browser back with. The role is read from the token for display and
 * navigation only: the API decides what a token may do.
 */
const KEY = 'custodian.token';
/** The `state` this tab sent to sign-in: a token that comes back without it is not ours (login CSRF). */
const STATE = 'custodian.sign-in-state';

export interface Session {
  token: string;
  role: string;
  sub: string;
  expiresAt: number;
}

function decode(token: string): Session | undefined {
  try {
    const part = token.split('.')[1];
    const json = JSON.parse(atob(part.replace(/-/g, '+').replace(/_/g, '/')));
    const groups: unknown = json['cognito:groups'];
    const role = Array.isArray(groups) ? String(groups[0] ?? '') : '';
    const expiresAt = Number(json.exp ?? 0) * 1000;
    if (!role || !json.sub || expiresAt <= Date.now()) return undefined;
    return { token, role, sub: String(json.sub), expiresAt };
  } catch {
    return undefined;
  }
}

/**
 * Picks up a token handed back in the URL fragment, only when it carries the `state` this tab sent
 * (a link with someone else's token signs no one in), and removes it from the address bar and history.
 */
export function takeTokenFromUrl(): void {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('access_token');
  if (!token) return;
  const expected = sessionStorage.getItem(STATE);
  if (expected && hash.get('state') === expected && decode(token)) sessionStorage.setItem(KEY, token);
  sessionStorage.removeItem(STATE);
  history.replaceState(null, '', location.pathname + location.search);
}

function signInState(): string {
  let state = sessionStorage.getItem(STATE);
  if (!state) {
    state = Array.from(crypto.getRandomValues(new Uint8Array(18)), (b) => b.toString(16).padStart(2, '0')).join('');
    sessionStorage.setItem(STATE, state);
  }
  return state;
}

export function currentSession(): Session | undefined {
  const token = sessionStorage.getItem(KEY);
  const session = token ? decode(token) : undefined;
  if (token && !session) sessionStorage.removeItem(KEY);
  return session;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}

/** The sign-in URL with where to come back to (a path of this site only). */
export function signInHref(url: string, role: string, returnTo: string): string {
  const u = new URL(url, location.origin);
  if (u.origin === location.origin) {
    u.searchParams.set('role', role);
    u.searchParams.set('return', returnTo);
  } else if (u.searchParams.has('redirect_uri')) {
    // Cognito's hosted sign-in comes back to one of the pages' registered URLs: this app's own root.
    u.searchParams.set('redirect_uri', `${location.origin}${returnTo.startsWith('/console') ? '/console' : '/'}`);
  }
  u.searchParams.set('state', signInState());
  return u.toString();
}
