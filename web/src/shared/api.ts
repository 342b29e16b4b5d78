/**
 * The pages' one way to the HTTP API: JSON in and out, a bearer token when signed in, and errors as
 * the API's problem details (RFC 9457) so a page can show what the API refused and why.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail?: string,
    readonly problem?: Record<string, unknown>,
  ) {
    super(detail ? `${title}: ${detail}` : title);
    this.name = 'ApiError';
  }
}

export interface CallOptions {
  token?: string;
  body?: unknown;
  headers?: Record<string, string>;
  query?: Record<string, string | undefined>;
}

export type Api = <T = any>(method: string, path: string, opts?: CallOptions) => Promise<T>;

export function apiClient(baseUrl: string): Api {
  return async (method, path, opts = {}) => {
    const res = await send(baseUrl, method, path, opts);
    const type = res.headers.get('content-type') ?? '';
    return (type.includes('json') ? await res.json() : await res.text()) as never;
  };
}

/** The raw response (downloads), after the same error handling. */
export async function send(baseUrl: string, method: string, path: string, opts: CallOptions = {}): Promise<Response> {
  const query = Object.entries(opts.query ?? {}).filter(([, v]) => v !== undefined && v !== '') as [string, string][];
  const url = `${baseUrl}${path}${query.length ? `?${new URLSearchParams(query)}` : ''}`;
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(url, { method, headers, body: opts.body === undefined ? undefined : JSON.stringify(opts.body) });
  } catch {
    throw new ApiError(0, 'The service could not be reached');
  }
  if (!res.ok) {
    let problem: Record<string, unknown> = {};
    try {
      problem = await res.json();
    } catch {
      // Not JSON: the status says enough.
    }
    const title = String(problem.title ?? problem.message ?? res.statusText ?? 'Error');
    // Field errors (422) say which input was refused and why.
    const fields = Array.isArray(problem.errors)
      ? (problem.errors as { path: string; message: string }[]).map((e) => `${e.path}: ${e.message}`).join('; ')
      : '';
    const detail =
      [typeof problem.detail === 'string' ? problem.detail : '', fields].filter(Boolean).join(' ') || undefined;
    throw new ApiError(res.status, `${res.status} ${title}`, detail, problem);
  }
  return res;
}
