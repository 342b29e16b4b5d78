/**
 * A rest system's records as its definition reaches them: one request made from a template (with
 * its credentials, once more after a 401 with a new OAuth2 token), the subject's records found by
 * the system's own id or by a bounded, paginated search. Pages come only from the system's own
 * origin: an answer cannot send the credentials elsewhere.
 */
import type { WebhookAddresses } from '#core/connectors/ports.ts';
import type { RestDefinition, RestObject, RestRequest } from '#core/connectors/rest/definition.ts';
import { renderJson, renderText, type TemplateContext, valueAt } from '#core/connectors/rest/template.ts';
import { PermanentSystemError, SystemThrottledError } from '#core/shared/errors.ts';
import type { VendorCredentials } from './vendor-credentials.ts';
import { formBody, nextLink, sendToVendor, type VendorAnswer, VendorUnauthorized } from './vendor-http.ts';

/** One record of the subject: which object (and which `forEach` value), its id, what a read gave. */
export interface FoundRecord {
  object: RestObject;
  each?: string;
  id: string;
  record: unknown;
}

export interface Subject {
  id?: string;
  email?: string;
  phone?: string;
}

type Search = RestObject['search'][number];

/** A spent quota's wait taken inside the call; a longer one is the step's, retried as busy (the gate holds the system meanwhile). */
const MAX_INLINE_WAIT_MS = 5_000;

export class VendorRecords {
  private readonly origin: string;
  /** No call before this (epoch ms): the vendor's rate-limit headers said its quota is spent. */
  slowedUntil = 0;

  constructor(
    readonly definition: RestDefinition,
    readonly base: TemplateContext,
    private readonly credentials: VendorCredentials,
    private readonly timeoutMs: number,
    private readonly addresses?: WebhookAddresses,
  ) {
    this.origin = new URL(base.baseUrl).origin;
  }

  /** Each object once, or once per value of its `forEach` list setting. */
  targets(): { object: RestObject; each?: string }[] {
    return this.definition.objects.flatMap((object) => {
      if (!object.forEach) return [{ object }];
      const values = this.base.settings[object.forEach];
      return (Array.isArray(values) ? values : values ? [values] : []).map((each) => ({ object, each }));
    });
  }

  context(extra: Partial<TemplateContext>): TemplateContext {
    return { ...this.base, ...extra };
  }

  /** Makes one request of the definition. `page` overrides the URL (a next link) or adds a cursor or offset. */
  async call(
    req: RestRequest,
    ctx: TemplateContext,
    page: { url?: string; query?: Record<string, string>; body?: Record<string, string> } = {},
  ): Promise<VendorAnswer> {
    let url: URL;
    if (page.url) {
      url = new URL(page.url, this.base.baseUrl);
      if (url.origin !== this.origin)
        throw new PermanentSystemError(`${req.path}: a next page outside the system's base URL`);
    } else {
      url = new URL(this.base.baseUrl.replace(/\/$/, '') + renderText(req.path, ctx, true));
      for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, renderText(v, ctx));
    }
    for (const [k, v] of Object.entries(page.query ?? {})) url.searchParams.set(k, v);
    let body: string | undefined;
    const headers: Record<string, string> = { accept: 'application/json' };
    if (req.body !== undefined && !page.url) {
      const rendered = renderJson(req.body, ctx);
      const value = page.body && rendered && typeof rendered === 'object' ? { ...rendered, ...page.body } : rendered;
      if (req.bodyType === 'form') {
        body = formBody(value).join('&');
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else {
        body = JSON.stringify(value);
        headers['content-type'] = 'application/json';
      }
    }
    for (const [k, v] of Object.entries(req.headers ?? {})) headers[k.toLowerCase()] = renderText(v, ctx);
    const send = async () =>
      sendToVendor(
        {
          method: req.method,
          url: url.toString(),
          headers: { ...headers, ...(await this.credentials.headers()) },
          body,
          label: req.path,
          notFound: req.notFound ?? [404],
          retry: req.retry ?? [],
          addresses: this.addresses,
          rateLimit: this.definition.rateLimit,
        },
        this.timeoutMs,
      );
    const wait = this.slowedUntil - Date.now();
    if (wait > MAX_INLINE_WAIT_MS)
      throw new SystemThrottledError(`${req.method} ${req.path}: the vendor's rate limit is spent`, wait);
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const slowed = (answer: VendorAnswer) => {
      if (answer.slowUntil) this.slowedUntil = Math.max(this.slowedUntil, answer.slowUntil);
      return answer;
    };
    try {
      return slowed(await send());
    } catch (err) {
      // One more try with a new token: it may have been revoked or rotated before its expiry.
      if (err instanceof VendorUnauthorized && this.credentials.refresh()) return slowed(await send());
      throw err;
    }
  }

  /** The record of one id in one target, or undefined when the system has none (or it is gone). */
  async read(
    object: RestObject,
    each: string | undefined,
    id: string,
    fields: string[],
  ): Promise<FoundRecord | undefined> {
    const answer = await this.call(object.read, this.context({ id, each, fields }));
    if (answer.missing) return undefined;
    if (object.goneWhen && valueAt(answer.body, object.goneWhen.path) === object.goneWhen.equals) return undefined;
    return { object, each, id, record: answer.body };
  }

  /** The subject's records in every target: by its id in the system, else through the searches by identifier. */
  async find(subject: Subject, fields: string[]): Promise<FoundRecord[]> {
    const found: FoundRecord[] = [];
    for (const { object, each } of this.targets()) {
      const ids = subject.id ? [subject.id] : await this.searchIds(object, each, subject);
      for (const id of ids) {
        const record = await this.read(object, each, id, fields);
        if (record) found.push(record);
      }
    }
    return found;
  }

  private async searchIds(object: RestObject, each: string | undefined, subject: Subject): Promise<string[]> {
    const ids = new Set<string>();
    for (const search of object.search) {
      const value = subject[search.by];
      if (!value) continue;
      for (const id of await this.searchOne(search, this.context({ each, [search.by]: value }))) ids.add(id);
    }
    return [...ids];
  }

  private async searchOne(search: Search, ctx: TemplateContext): Promise<string[]> {
    if ('idFrom' in search) return [renderText(search.idFrom, ctx)];
    const ids: string[] = [];
    let page: Parameters<VendorRecords['call']>[2] = {};
    for (let n = 0; ; n++) {
      if (n === search.maxPages)
        throw new PermanentSystemError(`${search.request.path}: more than ${search.maxPages} pages of matches`);
      const answer = await this.call(search.request, ctx, page);
      if (answer.missing) return ids;
      const items = valueAt(answer.body, search.results);
      const list = Array.isArray(items) ? items : [];
      for (const item of list) {
        const id = valueAt(item, search.id);
        if (typeof id === 'string' || typeof id === 'number') ids.push(String(id));
      }
      const p = search.pagination;
      let next: unknown;
      if (p.style === 'cursor') next = valueAt(answer.body, p.cursor);
      else if (p.style === 'next_url') next = valueAt(answer.body, p.next);
      else if (p.style === 'link_header') next = nextLink(answer.headers.get('link'));
      else if (p.style === 'offset') next = list.length < p.pageSize ? undefined : (n + 1) * p.pageSize;
      if (next === undefined || next === null || next === '' || p.style === 'none') return ids;
      if (p.style === 'cursor')
        page = p.in === 'body' ? { body: { [p.param]: String(next) } } : { query: { [p.param]: String(next) } };
      else if (p.style === 'offset') page = { query: { [p.param]: String(next) } };
      else page = { url: String(next) };
    }
  }
}
