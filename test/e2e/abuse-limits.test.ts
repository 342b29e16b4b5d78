/**
 * Per-requester abuse limits on the local runtime, as in AWS: anonymous submissions and verification
 * tries are counted per source address per hour; beyond the limit a 429 problem with Retry-After,
 * nothing stored, no code sent. A signed-in customer is not held to the anonymous limit.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/client-dynamodb';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { assertContract } from '../support/contract.ts';

let runtime: LocalRuntime;
let demo: Demo;
beforeAll(async () => {
  process.env.ANONYMOUS_SUBMISSIONS_PER_HOUR = '3';
  process.env.VERIFICATION_TRIES_PER_HOUR = '4';
  process.env.ANONYMOUS_REPLY_FLOOR_MS = '0';
  runtime = await startLocalRuntime({ port: 0 });
  demo = await startDemo(runtime, { crmPort: 0, customers: 4, seed: 9 });
}, 120_000);
afterAll(async () => {
  await demo?.stop();
  await runtime?.stop();
});

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  const json = await res.json();
  assertContract('POST', path, res.status, res.headers.get('content-type'), json);
  return { status: res.status, body: json, retryAfter: res.headers.get('retry-after') };
}

const requestsStored = async () =>
  (
    await runtime.dynamo.client.send(
      new ScanCommand({
        TableName: runtime.tables.requests,
        FilterExpression: 'SK = :m',
        ExpressionAttributeValues: { ':m': { S: 'META' } },
        Select: 'COUNT',
      }),
    )
  ).Count;

describe('abuse limits', () => {
  it('the 4th anonymous submission within the hour gets 429 with Retry-After, and stores nothing', async () => {
    const email = demo.customers[1].email;
    const body = { type: 'access', jurisdiction: 'GDPR', identifiers: { email } };
    for (let i = 0; i < 3; i++) expect((await post('/v1/privacy-requests', body)).status).toBe(202);
    const before = await requestsStored();
    const refused = await post('/v1/privacy-requests', body);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ title: 'Too Many Requests', retryAfter: expect.any(Number) });
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(3600);
    expect(await requestsStored()).toBe(before);
    // A signed-in customer is verified by its login, not held to the anonymous limit.
    const customer = await signDevToken({ role: 'customer', sub: demo.customers[2].ecifId });
    expect(
      (await post('/v1/privacy-requests', { ...body, identifiers: { email: demo.customers[2].email } }, customer))
        .status,
    ).toBe(202);
  });

  it('verification tries are limited per address across requests: guessing many requests stops', async () => {
    const ids = ['01JAAAAAAAAAAAAAAAAAAAAAAA', '01JBBBBBBBBBBBBBBBBBBBBBBB'];
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++)
      statuses.push((await post(`/v1/privacy-requests/${ids[i % 2]}/verification`, { code: '123456' })).status);
    expect(statuses).toEqual([404, 404, 404, 404, 429, 429]);
  });
});
