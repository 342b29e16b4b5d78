/**
 * The `http` connector against a real webhook server: every call signed over its exact body, the
 * answer read as the contract says, and each way a system can fail mapped to transient (retried
 * with the same idempotency key) or permanent (recorded), within the registered timeout.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../support/closed-port.ts';
import { HttpWebhookConnector } from '#adapters/connectors/http-webhook.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { SIGNATURE_HEADER, verifySignature } from '#core/connectors/signature.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';
import { answerDone } from '../../support/webhook-answer.ts';

const secret = 'http-webhook-test-secret';
/** How the server answers, by the path the system is registered under. */
const behaviours: Record<
  string,
  (req: IncomingMessage, res: ServerResponse, call: { action: string; idempotencyKey: string }) => void
> = {
  ok: (_req, res, call) => answerDone(res, call),
  unavailable: (_req, res) => res.writeHead(503).end('{}'),
  throttled: (_req, res) => res.writeHead(429).end('{}'),
  refused: (_req, res) => res.writeHead(403).end('{"error":"forbidden"}'),
  'not-json': (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>maintenance</html>'),
  'wrong-echo': (_req, res) =>
    res.writeHead(200).end(JSON.stringify({ idempotencyKey: 'someone-else', status: 'succeeded' })),
  // Never answers: the connector's timeout ends the call.
  silent: () => {},
  // Answers the headers, then stalls in the body.
  stalls: (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"idempotencyKey":');
  },
};
const received: { path: string; body: string; signed: boolean; socket: number }[] = [];
const sockets = new Map<unknown, number>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    if (!sockets.has(req.socket)) sockets.set(req.socket, sockets.size + 1);
    const path = req.url!.slice(1);
    received.push({
      path,
      body,
      signed: verifySignature(
        secret,
        { method: req.method!, path: req.url!, body },
        req.headers[SIGNATURE_HEADER] as string | undefined,
      ),
      socket: sockets.get(req.socket)!,
    });
    behaviours[path](req, res, JSON.parse(body));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(
  () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
);

function connectorAt(path: string, timeoutMs = 2_000) {
  const input = systemInputSchema.parse({
    name: path,
    connector: { kind: 'http', url: `${base}/${path}`, timeoutMs },
    capabilities: ['erase', 'verify'],
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
  });
  const system: ConnectedSystem = { ...input, systemId: path, updatedAt: '2026-12-01T00:00:00.000Z' };
  const work: SystemWork = {
    requestId: 'R1',
    system,
    action: 'erase',
    localId: 'L-1',
    fields: system.fields,
    idempotencyKey: `R1:${path}:erase`,
  };
  return {
    connector: new HttpWebhookConnector(
      system.connector as Extract<ConnectedSystem['connector'], { kind: 'http' }>,
      secret,
    ),
    work,
  };
}

describe('the http connector', () => {
  it('signs the exact body it sends, reads the answer, and reads back over the same kept-open connection', async () => {
    const { connector, work } = connectorAt('ok');
    const before = received.length;
    expect(await connector.execute(work)).toEqual({ recordsAffected: 1, fieldsChanged: ['email'] });
    expect(await connector.verify(work)).toEqual({ verified: true, remaining: [], method: 'webhook-verify' });
    const calls = received.slice(before);
    expect(calls.map((c) => [c.signed, JSON.parse(c.body).action, JSON.parse(c.body).idempotencyKey])).toEqual([
      [true, 'erase', 'R1:ok:erase:erase'],
      [true, 'verify', 'R1:ok:erase:verify'],
    ]);
    expect(calls[1].socket).toBe(calls[0].socket);
  });

  it.each([
    { rule: 'a 5xx is transient', path: 'unavailable', error: TransientSystemError, message: 'webhook answered 503' },
    { rule: 'a 429 is transient', path: 'throttled', error: TransientSystemError, message: 'webhook answered 429' },
    {
      rule: 'another 4xx is permanent, and its body is not repeated',
      path: 'refused',
      error: PermanentSystemError,
      message: 'webhook refused with 403',
    },
    {
      rule: 'a body that is not JSON is permanent',
      path: 'not-json',
      error: PermanentSystemError,
      message: 'webhook answered with a body that is not JSON',
    },
    {
      rule: 'an answer for another idempotency key is permanent',
      path: 'wrong-echo',
      error: PermanentSystemError,
      message: 'webhook did not echo the idempotency key',
    },
  ])('$rule', async ({ path, error, message }) => {
    const { connector, work } = connectorAt(path);
    const failed = await connector.execute(work).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(error);
    expect((failed as Error).message).toBe(message);
  });

  it.each([
    { rule: 'a system that never answers is transient once its timeout has passed', path: 'silent' },
    { rule: 'a system that stalls mid-answer is transient once its timeout has passed', path: 'stalls' },
  ])('$rule', async ({ path }) => {
    const { connector, work } = connectorAt(path, 300);
    const started = performance.now();
    const failed = await connector.execute(work).catch((e: unknown) => e);
    const took = performance.now() - started;
    expect(failed).toBeInstanceOf(TransientSystemError);
    expect((failed as Error).message).toBe('webhook unreachable (TimeoutError)');
    expect(took).toBeGreaterThanOrEqual(290);
  });

  it('a system nobody listens on is transient', async () => {
    const port = await closedPort();
    const { work } = connectorAt('ok');
    const connector = new HttpWebhookConnector(
      { kind: 'http', url: `http://127.0.0.1:${port}/gone`, timeoutMs: 2_000 },
      secret,
    );
    await expect(connector.execute(work)).rejects.toThrow(/^webhook unreachable \(Error\)$/);
  });
});
