/**
 * Connected systems for the fan-out and bulk benches: one local HTTP server that plays any number of
 * `http` systems (`POST /systems/<systemId>`), each answering the webhook contract
 * (docs/connectors.md): signature checked, `erase` applied once per idempotency key after `delayMs`,
 * `verify` a read. It records, per system and request, when its first call came in and its last
 * answer went out (the system's own time), how many calls were in flight at once, and every effect,
 * so a bench can tell a subject erased twice from a replay.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, verifySignature } from '#core/connectors/signature.ts';

interface Call {
  requestId: string;
  systemId: string;
  action: string;
  subject: { localId: string };
  idempotencyKey: string;
}

export interface WebhookFleet {
  url(systemId: string): string;
  /** When (performance.now()) one system received its first call and sent its last answer for one request. */
  span(requestId: string, systemId: string): { first: number; last: number } | undefined;
  /** The system's own time for one request: the time spent answering its calls, summed. */
  busy(requestId: string, systemId: string): number | undefined;
  /** Erases carried out (replays of a key not counted), per `systemId localId`: more than 1 is harm done twice. */
  effects: ReadonlyMap<string, number>;
  stats(): { calls: number; replays: number; rejected: number; maxInFlight: number };
  stop(): Promise<void>;
}

export async function startWebhookFleet(opts: { secret: string; delayMs: number }): Promise<WebhookFleet> {
  const spans = new Map<string, { first: number; last: number }>();
  const busy = new Map<string, number>();
  const answered = new Map<string, Promise<unknown>>();
  const erased = new Set<string>();
  const effects = new Map<string, number>();
  const stats = { calls: 0, replays: 0, rejected: 0, maxInFlight: 0 };
  let inFlight = 0;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const received = performance.now();
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const signed = { method: req.method ?? 'POST', path: req.url ?? '/', body: raw };
    if (!verifySignature(opts.secret, signed, req.headers[SIGNATURE_HEADER] as string | undefined)) {
      stats.rejected++;
      return reply(401, { error: 'bad signature' });
    }
    const call = JSON.parse(raw) as Call;
    const subject = `${call.systemId} ${call.subject.localId}`;
    stats.calls++;
    inFlight++;
    stats.maxInFlight = Math.max(stats.maxInFlight, inFlight);
    try {
      let body: unknown;
      if (call.action === 'verify') {
        body = {
          idempotencyKey: call.idempotencyKey,
          erased: erased.has(subject),
          remaining: erased.has(subject) ? [] : ['email'],
        };
      } else if (answered.has(call.idempotencyKey)) {
        // A retry, even one that arrives while the first call is still at work, gets the first answer.
        stats.replays++;
        body = await answered.get(call.idempotencyKey);
      } else {
        const work = (async () => {
          // The system's own work: what the fan-out must overlap, not add up.
          await new Promise((r) => setTimeout(r, opts.delayMs));
          const first = !erased.has(subject);
          erased.add(subject);
          effects.set(subject, (effects.get(subject) ?? 0) + 1);
          return {
            idempotencyKey: call.idempotencyKey,
            status: 'succeeded',
            recordsAffected: first ? 1 : 0,
            fieldsChanged: first ? ['email'] : [],
          };
        })();
        answered.set(call.idempotencyKey, work);
        body = await work;
      }
      const key = `${call.requestId} ${call.systemId}`;
      const span = spans.get(key) ?? { first: received, last: received };
      span.last = performance.now();
      spans.set(key, span);
      busy.set(key, (busy.get(key) ?? 0) + (span.last - received));
      reply(200, body);
    } finally {
      inFlight--;
    }
  }

  const server = createServer((req, res) => void handle(req, res).catch(() => res.writeHead(500).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (systemId) => `${base}/systems/${systemId}`,
    span: (requestId, systemId) => spans.get(`${requestId} ${systemId}`),
    busy: (requestId, systemId) => busy.get(`${requestId} ${systemId}`),
    effects,
    stats: () => ({ ...stats }),
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
