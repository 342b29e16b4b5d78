/**
 * The signed-in person, if any: a bearer token kept for this tab only (sessionStorage), taken from
 * the `#access_token=` fragment the sign-in page (local dev issuer, or Cognito's hosted sign-in with
 * the implicit grant) sends the browser back with. The role is read from the token for display and
 * navigation only: the API decides what a token may do.
 */
const KEY = 'custodian.token';

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

/** Picks up a token handed back in the URL fragment (and removes it from the address bar and history). */
export function takeTokenFromUrl(): void {
  const hash = new URLSearchParams(location.hash.slice(1));
  const token = hash.get('access_token');
  if (!token) return;
  if (decode(token)) sessionStorage.setItem(KEY, token);
  history.replaceState(null, '', location.pathname + location.search);
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
  }
  return u.toString();
}
