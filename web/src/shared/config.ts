/**
 * What a page needs to know about where it runs, read from /config.json beside the bundle (never
 * baked in): the API's base URL and how people sign in. Locally the runtime serves it; in AWS the
 * CDK stack writes it next to the bundle with the HTTP API URL.
 */
export interface SignIn {
  /** local: the local runtime's dev sign-in page; cognito: a hosted sign-in URL; none: nobody signs in here. */
  mode: 'local' | 'cognito' | 'none';
  /** Where the page sends a person to sign in; it comes back to the page with `#access_token=…`. */
  url?: string;
}

export interface WebConfig {
  /** Base URL of the HTTP API, without a trailing slash; empty: the page's own origin. */
  apiUrl: string;
  /** Base URL of the streamed routes (the audit export): in AWS a REST API beside the HTTP API; locally the same. */
  exportApiUrl: string;
  signIn: SignIn;
}

export async function loadConfig(): Promise<WebConfig> {
  const res = await fetch('/config.json', { cache: 'no-store' });
  if (!res.ok) throw new Error(`config.json answered ${res.status}`);
  const raw = (await res.json()) as Partial<WebConfig>;
  const apiUrl = (raw.apiUrl ?? '').replace(/\/+$/, '');
  return {
    apiUrl,
    exportApiUrl: (raw.exportApiUrl || apiUrl).replace(/\/+$/, ''),
    signIn: raw.signIn ?? { mode: 'none' },
  };
}
