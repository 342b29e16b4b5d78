/**
 * A webhook's address checked where the socket connects: a name that resolved to a public address at
 * registration and to loopback at call time (DNS rebinding) is refused before anything is sent; an
 * address in the URL itself is checked without a lookup; loopback is reached only on an allowed port.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpWebhookConnector } from '#adapters/connectors/http-webhook.ts';
import { type ResolveAll, WebhookAddressGuard } from '#adapters/connectors/webhook-addresses.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { type LoopbackAllowance, loopbackAllowance } from '#core/connectors/webhook-address.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';

let server: Server;
let port: number;
let received = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    received++;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const { idempotencyKey } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ idempotencyKey, status: 'succeeded', recordsAffected: 1, fieldsChanged: ['email'] }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** A name that answers a public address first, then loopback: a rebinding name. */
function rebinding(): { resolve: ResolveAll; asked: string[] } {
  const asked: string[] = [];
  const resolve: ResolveAll = async (hostname) => {
    asked.push(hostname);
    return [{ address: asked.length === 1 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
  };
  return { resolve, asked };
}

function call(url: string, guard: WebhookAddressGuard) {
  const connector = new HttpWebhookConnector({ kind: 'http', url, timeoutMs: 2_000 }, 'key', guard);
  const work = {
    requestId: 'R1',
    system: {},
    action: 'erase',
    localId: 'L1',
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
    idempotencyKey: 'R1:s:erase',
  } as unknown as SystemWork;
  return connector.execute(work);
}

const guardOf = (loopback: LoopbackAllowance, resolve?: ResolveAll) => new WebhookAddressGuard(() => loopback, resolve);

describe('the webhook address guard', () => {
  it('a rebinding name: passes at registration, refused at call time, nothing sent', async () => {
    const { resolve, asked } = rebinding();
    const guard = guardOf('none', resolve);
    const url = `http://rebind.test:${port}/hook`;
    expect(await guard.refusal(url)).toBeUndefined();
    const before = received;
    const refused = call(url, guard);
    await expect(refused).rejects.toBeInstanceOf(PermanentSystemError);
    await expect(refused).rejects.toThrow('the webhook address is in a range this deployment does not call (loopback)');
    expect(asked).toEqual(['rebind.test', 'rebind.test']);
    expect(received).toBe(before);
  });

  it('the address the lookup answers is the one connected to: an allowed loopback port is reached through the name', async () => {
    const guard = guardOf(loopbackAllowance(String(port)), async () => [{ address: '127.0.0.1', family: 4 }]);
    const before = received;
    await expect(call(`http://system.test:${port}/hook`, guard)).resolves.toMatchObject({ recordsAffected: 1 });
    expect(received).toBe(before + 1);
  });

  it.each([
    `http://127.0.0.1:PORT/hook`,
    `http://[::ffff:7f00:1]:PORT/hook`,
    `http://[::1]:PORT/hook`,
    'http://169.254.169.254/latest/meta-data/',
    'http://[::ffff:a9fe:a9fe]/',
    'http://10.0.0.5/hook',
  ])('%s, an address in the URL, not allowed: refused at registration and at call time', async (template) => {
    const url = template.replace('PORT', String(port));
    const guard = guardOf('none', async () => {
      throw new Error('an address in the URL is not looked up');
    });
    expect(await guard.refusal(url)).toMatch(/loopback|linkLocal|private/);
    const before = received;
    await expect(call(url, guard)).rejects.toBeInstanceOf(PermanentSystemError);
    expect(received).toBe(before);
  });

  it('a name with any internal address among its answers is refused whole', async () => {
    const guard = guardOf('none', async () => [
      { address: '93.184.216.34', family: 4 },
      { address: 'fd00::1', family: 6 },
    ]);
    expect(await guard.refusal('https://mixed.test/hook')).toBe('uniqueLocal');
  });

  it('a name that does not resolve now is left to the call-time check', async () => {
    const guard = guardOf('none', async () => {
      throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    });
    expect(await guard.refusal('https://not-yet.test/hook')).toBeUndefined();
  });
});
