/**
 * The `http` connector: a signed POST to the system's webhook (contract in docs/connectors.md).
 * 5xx, 429 and network faults are transient (the workflow retries with the same idempotency key);
 * other 4xx are permanent. Error messages carry status codes, never response bodies.
 */
import type {
  CallbackTicket,
  Connector,
  ConnectorOutcome,
  StartOutcome,
  SystemWork,
  Verification,
} from '#core/connectors/connector.ts';
import http from 'node:http';
import https from 'node:https';
import { requestPathOf, sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';
import type { LookupFunction } from 'node:net';
import { RefusedAddressError, type WebhookAddressGuard } from './webhook-addresses.ts';

type HttpSettings = { kind: 'http'; url: string; timeoutMs: number };
type Answer = { status: number; body: Record<string, unknown> };

export class HttpWebhookConnector implements Connector {
  constructor(
    private readonly settings: HttpSettings,
    /** The signing key, or how to find it on each call (a lookup that fails throws before anything is sent). */
    private readonly secret: string | (() => Promise<string>),
    /** Where the URL may lead (a deployment's rules); absent: anywhere (tests of the contract alone). */
    private readonly addresses?: WebhookAddressGuard,
  ) {}

  private async call(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    return (await this.send(body)).body;
  }

  private async send(body: Record<string, unknown>): Promise<Answer> {
    const text = JSON.stringify(body);
    const secret = typeof this.secret === 'string' ? this.secret : await this.secret();
    const target = new URL(this.settings.url);
    let res: { status: number; text: string };
    try {
      this.addresses?.checkLiteral(target);
      res = await post(
        target,
        this.addresses?.lookupFor(target),
        text,
        {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: sign(secret, { method: 'POST', path: requestPathOf(this.settings.url), body: text }),
        },
        this.settings.timeoutMs,
      );
    } catch (err) {
      if (err instanceof RefusedAddressError) throw new PermanentSystemError(err.message);
      throw new TransientSystemError(`webhook unreachable (${(err as Error).name})`);
    }
    if (res.status >= 500 || res.status === 429) throw new TransientSystemError(`webhook answered ${res.status}`);
    if (res.status >= 400) throw new PermanentSystemError(`webhook refused with ${res.status}`);
    try {
      return { status: res.status, body: JSON.parse(res.text) as Record<string, unknown> };
    } catch {
      throw new PermanentSystemError('webhook answered with a body that is not JSON');
    }
  }

  private payload(work: SystemWork, action: string) {
    return {
      requestId: work.requestId,
      systemId: work.system.systemId,
      action,
      subject: { localId: work.localId },
      fields: work.fields.map((f) => ({ name: f.name, strategy: f.strategy })),
      ...(work.values ? { values: work.values } : {}),
      ...(work.flags ? { flags: work.flags } : {}),
      idempotencyKey: `${work.idempotencyKey}:${action}`,
    };
  }

  async execute(work: SystemWork): Promise<ConnectorOutcome> {
    const payload = this.payload(work, work.action);
    return this.outcome(work, payload, await this.call(payload));
  }

  /** mode `async`: the system answers 202 (and calls back later), or 200 with the result when it is done at once. */
  async start(work: SystemWork, callback: CallbackTicket): Promise<StartOutcome> {
    const payload = { ...this.payload(work, work.action), mode: 'async', callback };
    const { status, body } = await this.send(payload);
    if (body.idempotencyKey !== payload.idempotencyKey)
      throw new PermanentSystemError('webhook did not echo the idempotency key');
    if (status === 202) return { accepted: true };
    return { accepted: false, outcome: this.outcome(work, payload, body) };
  }

  private outcome(
    work: SystemWork,
    payload: { idempotencyKey: string },
    res: Record<string, unknown>,
  ): ConnectorOutcome {
    if (res.idempotencyKey !== payload.idempotencyKey)
      throw new PermanentSystemError('webhook did not echo the idempotency key');
    if (res.status !== 'succeeded')
      throw new PermanentSystemError(`webhook reported status ${String(res.status).slice(0, 40)}`);
    return {
      recordsAffected: Number(res.recordsAffected ?? 0),
      fieldsChanged: Array.isArray(res.fieldsChanged) ? res.fieldsChanged.map(String) : work.fields.map((f) => f.name),
      ...(work.action === 'access' ? { data: isObject(res.data) ? res.data : {} } : {}),
    };
  }

  /** The contract's `verify` call checks an erasure; other actions are proven by the system's answer alone. */
  async verify(work: SystemWork): Promise<Verification | undefined> {
    if (work.action !== 'erase') return undefined;
    const res = await this.call(this.payload(work, 'verify'));
    const remaining = Array.isArray(res.remaining) ? res.remaining.map(String) : [];
    return { verified: res.erased === true && remaining.length === 0, remaining, method: 'webhook-verify' };
  }
}

/** Connections kept open per system between calls (a request's erase, then its verify; the next request). */
const agents = { 'http:': new http.Agent({ keepAlive: true }), 'https:': new https.Agent({ keepAlive: true }) };

/**
 * One POST with node's own client (a fraction of fetch's CPU per call: a request's 25 systems are
 * called, then read back, all at once), the whole exchange bounded by `timeoutMs`.
 */
function post(
  target: URL,
  lookup: LookupFunction | undefined,
  body: string,
  headers: Record<string, string>,
  timeoutMs: number,
): Promise<{ status: number; text: string }> {
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = client.request(
      target,
      {
        method: 'POST',
        agent: agents[target.protocol as keyof typeof agents],
        ...(lookup ? { lookup } : {}),
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          clearTimeout(timer);
          resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        res.on('error', fail);
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error('the webhook did not answer in time'), { name: 'TimeoutError' })),
      timeoutMs,
    );
    function fail(err: Error) {
      clearTimeout(timer);
      reject(err);
    }
    req.on('error', fail);
    req.end(body);
  });
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
