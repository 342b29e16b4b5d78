/**
 * The local runtime with SYSTEM_LIMITS=shared, the way the functions that call systems run in AWS:
 * a burst of erasures through the workflow to one http system of concurrency 2 (a webhook of this
 * test that counts the calls it is in at once). Every request completes, the system never sees more
 * than 2 calls at once, each call holds a leased slot in the requests table while it is at the system,
 * and none is left held after.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';
import { answerDone } from '../support/webhook-answer.ts';

let runtime: LocalRuntime;
let server: Server;
let url: string;
const tokens: Record<string, string> = {};
const seen = { inFlight: 0, max: 0, calls: 0, slotsHeld: [] as number[] };

const heldSlots = async () =>
  (
    await documentClient().send(
      new QueryCommand({
        TableName: runtime.tables.requests,
        KeyConditionExpression: 'PK = :pk',
        ExpressionAttributeValues: { ':pk': 'SLOT#limited-crm' },
        ConsistentRead: true,
      }),
    )
  ).Items ?? [];

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const call = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    seen.calls++;
    seen.max = Math.max(seen.max, ++seen.inFlight);
    // Each call at the system holds a leased slot in the requests table (the shared gate, not the process's).
    seen.slotsHeld.push((await heldSlots()).length);
    await new Promise((r) => setTimeout(r, 40));
    seen.inFlight--;
    answerDone(res, call);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  process.env.SYSTEM_LIMITS = 'shared';
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5, webPages: false });
  allowLocalSystem(url);
  for (const role of ['steward', 'operator'] as const) tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
  delete process.env.SYSTEM_LIMITS;
  await new Promise<void>((r) => server?.close(() => r()));
});

const api = contractClient(() => runtime.apiUrl);

describe('shared system limits on the local runtime (SYSTEM_LIMITS=shared)', () => {
  it('8 erasures at once to a system of concurrency 2: all complete, never more than 2 calls at the system, no slot left held', async () => {
    expect(runtime.env.SYSTEM_LIMITS).toBe('shared');
    const put = await api('PUT', '/v1/systems/limited-crm', {
      token: tokens.operator,
      body: {
        name: 'Limited CRM',
        connector: { kind: 'http', url },
        capabilities: ['erase'],
        fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        concurrency: 2,
      },
    });
    expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    const ids = Array.from({ length: 8 }, (_, i) => `C97000${i}`);
    for (const [i, ecifId] of ids.entries()) {
      const res = await api('PUT', `/v1/ecif/customers/${ecifId}`, {
        token: tokens.steward,
        body: {
          name: { given: 'Test', family: 'Subject' },
          emails: [`${ecifId.toLowerCase()}@example.net`],
          crossReferences: [{ systemId: 'limited-crm', localId: `LC-${i}` }],
        },
      });
      expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
    }
    const requests = await Promise.all(
      ids.map(async (ecifId) => {
        const token = await signDevToken({ role: 'customer', sub: ecifId });
        const res = await api('POST', '/v1/privacy-requests', {
          token,
          body: {
            type: 'erasure',
            jurisdiction: 'GDPR',
            identifiers: { email: `${ecifId.toLowerCase()}@example.net` },
          },
        });
        expect(res.status).toBe(202);
        return res.body.id as string;
      }),
    );
    const finals = await Promise.all(
      requests.map(async (id) => {
        for (let i = 0; i < 600; i++) {
          const r = await api('GET', `/v1/privacy-requests/${id}`, { token: tokens.operator });
          if (!['received', 'in_progress'].includes(r.body.status)) return r.body;
          await new Promise((res) => setTimeout(res, 50));
        }
        throw new Error('the request did not finish');
      }),
    );
    expect(
      finals.map((r) => r.status),
      JSON.stringify(finals.map((r) => r.outcome)),
    ).toEqual(Array(8).fill('completed'));
    // An erase and its read-back (verify) per request, each holding a slot.
    expect(seen.calls).toBe(16);
    expect(seen.max).toBeLessThanOrEqual(2);
    expect(
      seen.slotsHeld.every((n) => n >= 1 && n <= 2),
      JSON.stringify(seen.slotsHeld),
    ).toBe(true);
    expect(await heldSlots()).toEqual([]);
  });
});
