/**
 * `consent.changed` to the subscribers' webhooks: each call signed like a connector call; a 5xx, a
 * 429 or no answer is tried again, three tries in all; any other 4xx is a refusal, not retried.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { closedPort } from '../../support/closed-port.ts';
import { WebhookConsentChanges } from '#adapters/webhooks/consent-subscribers.ts';
import { SIGNATURE_HEADER, verifySignature } from '#core/connectors/signature.ts';
import type { ConsentChanged } from '#core/consent/changes.ts';

const secret = 'subscriber-test-secret';
const change = {
  type: 'consent.changed',
  ecifId: 'C000001',
  at: '2026-12-01T10:00:00.000Z',
  receiptId: 'R1',
  choices: [],
} as unknown as ConsentChanged;

let server: Server;
let base = '';
/** Per path: the statuses to answer in turn (the last one repeats); every call received. */
const scripts = new Map<string, number[]>();
const received: { path: string; signed: boolean; body: string }[] = [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    received.push({
      path: req.url!,
      signed: verifySignature(
        secret,
        { method: req.method!, path: req.url!, body },
        req.headers[SIGNATURE_HEADER] as string | undefined,
      ),
      body,
    });
    const script = scripts.get(req.url!) ?? [200];
    const status = script.length > 1 ? script.shift()! : script[0];
    res.writeHead(status).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
afterEach(() => {
  delete process.env.CONSENT_SUBSCRIBERS;
  scripts.clear();
  received.length = 0;
});

const publish = (paths: string[]) => {
  process.env.CONSENT_SUBSCRIBERS = paths.map((p) => `${base}${p}`).join(', ');
  return new WebhookConsentChanges(secret).publish(change);
};
const calls = (path: string) => received.filter((r) => r.path === path);

describe('consent.changed to subscriber webhooks', () => {
  it.each([
    { answers: [200], calls: 1, delivered: true },
    { answers: [500, 503, 200], calls: 3, delivered: true },
    { answers: [429, 200], calls: 2, delivered: true },
    { answers: [503], calls: 3, delivered: false },
    { answers: [400], calls: 1, delivered: false },
    { answers: [500, 410], calls: 2, delivered: false },
  ])('answering $answers: $calls call(s), delivered $delivered', async ({ answers, calls: n, delivered }) => {
    scripts.set('/events', [...answers]);
    const outcome = await publish(['/events']).then(
      () => true,
      () => false,
    );
    expect(outcome).toBe(delivered);
    expect(calls('/events')).toHaveLength(n);
    for (const c of calls('/events')) {
      expect(c.signed).toBe(true);
      expect(JSON.parse(c.body)).toEqual(change);
    }
  });

  it('every subscriber gets it, one failing does not stop the others; none configured, nothing is sent', async () => {
    scripts.set('/down', [503]);
    await expect(publish(['/up', '/down'])).rejects.toThrow(/did not accept/);
    expect(calls('/up')).toHaveLength(1);
    expect(calls('/down')).toHaveLength(3);
    received.length = 0;
    delete process.env.CONSENT_SUBSCRIBERS;
    await new WebhookConsentChanges(secret).publish(change);
    expect(received).toHaveLength(0);
  });

  it('a subscriber that is not listening is tried three times, then the publish fails', async () => {
    const port = await closedPort();
    process.env.CONSENT_SUBSCRIBERS = `http://127.0.0.1:${port}/events`;
    await expect(new WebhookConsentChanges(secret).publish(change)).rejects.toThrow(/did not accept/);
  });
});
