/**
 * The local runtime stopped in the middle of an erasure and started again on the same data
 * (`--persist`): the request is re-driven and completes, no connector effect is applied twice,
 * and the audit chain of the request still verifies.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { verifyChain } from '#core/audit/event.ts';
import { terminalStatuses } from '#core/requests/request.ts';
import { deps } from '#handlers/deps.ts';
import { startDemo, type Demo } from '#infra/local/demo/start.ts';
import { submitVerified } from '../support/requester.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';

const persist = mkdtempSync(path.join(tmpdir(), 'custodian-restart-'));
let runtime: LocalRuntime | undefined;
let demo: Demo | undefined;

async function up(retryIntervalMs: number) {
  runtime = await startLocalRuntime({ port: 0, persist, retryIntervalMs });
  demo = await startDemo(runtime, { crmPort: 0, customers: 4, seed: 9, persist });
}
async function down() {
  await demo?.stop();
  await runtime?.stop();
  demo = undefined;
  runtime = undefined;
}
afterAll(down);

describe('stop and start mid-request', () => {
  it('re-drives the unfinished request to completion, once', async () => {
    await up(3_000);
    const subject = demo!.customers[2];
    // The CRM is down: the execution sits in its retry backoff when we pull the plug.
    demo!.crm.failNext(100, 503);
    const { id } = await submitVerified(
      runtime!.apiUrl,
      { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: subject.email } },
      subject.email,
    );
    let request: Awaited<ReturnType<Awaited<ReturnType<typeof deps>>['requests']['get']>>;
    for (let i = 0; i < 50 && (await (await deps()).requests.getTask(id, 'crm'))?.attempts !== 1; i++)
      await new Promise((r) => setTimeout(r, 100));
    request = await (await deps()).requests.get(id);
    expect(request?.status).toBe('in_progress');
    await down();

    await up(5);
    expect(runtime!.redriven).toContain(id);
    const d = await deps();
    for (let i = 0; i < 100; i++) {
      request = await d.requests.get(id);
      if (request && terminalStatuses.includes(request.status)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(request?.status).toBe('completed');
    expect(demo!.crm.store.get(subject.crm!.contactId)?.email).not.toBe(subject.crm!.email);
    // Core banking finished before the stop (the re-driven execution skips a succeeded system).
    const bank = await d.requests.getTask(id, 'core-banking');
    expect(bank?.state).toBe('succeeded');
    // The CRM erased once and was read back once after the restart: no replay, no second erase.
    expect(demo!.crm.stats()).toMatchObject({ applied: 2, replays: 0 });
    expect(await d.requests.getTask(id, 'crm')).toMatchObject({ state: 'succeeded' });
    expect(verifyChain(await d.audit.stream(`request:${id}`))).toBeUndefined();
  }, 180_000);
});
