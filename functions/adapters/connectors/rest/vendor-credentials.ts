/**
 * The credentials of a rest system, as its definition's auth kind sends them. The secret is found by
 * the registration's `secretRef` (CONNECTOR_SECRET_<REF>, else `custodian/connectors/rest/<ref>`): a
 * string (a key, a token) or JSON (`clientId`/`clientSecret`, `username`/`password`, `apiKey`,
 * `token`). An OAuth2 token is kept per instance until a minute before it expires, shared by the
 * calls made meanwhile, and dropped on a 401 so the call is made once more with a new one. Errors
 * name the member that is missing, never a value.
 */
import type { WebhookAddresses } from '#core/connectors/ports.ts';
import type { RestAuth } from '#core/connectors/rest/definition.ts';
import { renderText, type TemplateContext } from '#core/connectors/rest/template.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { sendToVendor, VendorUnauthorized } from './vendor-http.ts';

/** A token is not used in its last minute: a call must not start with one about to lapse. */
const EXPIRY_MARGIN_MS = 60_000;
/** When the token endpoint gives no `expires_in`. */
const DEFAULT_TOKEN_MS = 15 * 60_000;

const tokens = new Map<string, Promise<{ token: string; until: number }>>();

/** Forget every cached token (tests). */
export function forgetTokens(): void {
  tokens.clear();
}

function member(secret: string, name: string, plain: boolean): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(secret);
  } catch {
    if (plain) return secret;
    throw new PermanentSystemError(`the system's secret must be JSON with ${name}`);
  }
  const v = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>)[name] : undefined;
  if (typeof v === 'string' && v) return v;
  if (plain && typeof parsed === 'string') return parsed;
  throw new PermanentSystemError(`the system's secret has no ${name}`);
}

export class VendorCredentials {
  constructor(
    private readonly auth: RestAuth,
    private readonly ctx: TemplateContext,
    private readonly secret: () => Promise<string>,
    private readonly timeoutMs: number,
    private readonly now: () => number = Date.now,
    private readonly addresses?: WebhookAddresses,
  ) {}

  /** The headers that authenticate a call. */
  async headers(): Promise<Record<string, string>> {
    const secret = await this.secret();
    switch (this.auth.kind) {
      case 'bearer':
        return { authorization: `Bearer ${member(secret, 'token', true)}` };
      case 'api_key':
        return { [this.auth.header.toLowerCase()]: `${this.auth.prefix}${member(secret, 'apiKey', true)}` };
      case 'basic': {
        const pair = `${member(secret, 'username', false)}:${member(secret, 'password', false)}`;
        return { authorization: `Basic ${Buffer.from(pair).toString('base64')}` };
      }
      case 'oauth2_client_credentials':
        return { authorization: `Bearer ${await this.token(secret)}` };
    }
  }

  /** After a 401: drops the cached token. True when a second try may pass (a new OAuth2 token). */
  refresh(): boolean {
    if (this.auth.kind !== 'oauth2_client_credentials') return false;
    const prefix = `${this.cacheKey()}|`;
    for (const key of tokens.keys()) if (key.startsWith(prefix)) tokens.delete(key);
    return true;
  }

  private cacheKey(): string {
    const auth = this.auth as Extract<RestAuth, { kind: 'oauth2_client_credentials' }>;
    return `${renderText(auth.tokenUrl, this.ctx)}|${auth.scope ? renderText(auth.scope, this.ctx) : ''}|${this.ctx.baseUrl}`;
  }

  private async token(secret: string): Promise<string> {
    const key = `${this.cacheKey()}|${member(secret, 'clientId', false)}`;
    const cached = tokens.get(key);
    if (cached) {
      const held = await cached.catch(() => undefined);
      if (held && held.until > this.now()) return held.token;
      if (tokens.get(key) === cached) tokens.delete(key);
    }
    // One token request at a time per client: calls arriving together share it.
    const fetching = tokens.get(key) ?? this.fetchToken(secret);
    tokens.set(key, fetching);
    fetching.catch(() => tokens.get(key) === fetching && tokens.delete(key));
    return (await fetching).token;
  }

  private async fetchToken(secret: string): Promise<{ token: string; until: number }> {
    const auth = this.auth as Extract<RestAuth, { kind: 'oauth2_client_credentials' }>;
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: member(secret, 'clientId', false),
      client_secret: member(secret, 'clientSecret', false),
      ...(auth.scope ? { scope: renderText(auth.scope, this.ctx) } : {}),
    });
    const started = this.now();
    const answer = await sendToVendor(
      {
        method: 'POST',
        url: renderText(auth.tokenUrl, this.ctx),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form.toString(),
        label: 'token endpoint',
        notFound: [],
        retry: [],
        addresses: this.addresses,
      },
      this.timeoutMs,
    ).catch((err: Error) => {
      // A 401 of the token endpoint is a wrong client id or secret: permanent, said as such.
      throw err instanceof VendorUnauthorized
        ? new PermanentSystemError('the token endpoint refused the client credentials (401)')
        : err;
    });
    const body = answer.body as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (typeof body?.access_token !== 'string')
      throw new PermanentSystemError('the token endpoint gave no access_token');
    const lifetime = typeof body.expires_in === 'number' ? body.expires_in * 1000 : DEFAULT_TOKEN_MS;
    return { token: body.access_token, until: started + lifetime - EXPIRY_MARGIN_MS };
  }
}
