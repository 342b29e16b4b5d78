import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookConnector } from '#adapters/connectors/http-webhook.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { planErasure } from '#core/connectors/planning.ts';
import { sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { systemInputSchema, type ConnectedSystem, type FieldRule } from '#core/connectors/system.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';
import { startDemoCrm, type DemoCrm } from '#infra/local/demo/crm-service.ts';
import { crmRecords, demoCustomers, type DemoCustomer } from '#infra/local/demo/customers.ts';
import { crmSystem } from '#infra/local/demo/systems.ts';

const secret = 'test-signing-secret-0123456789';
const customers = demoCustomers(42, 12);
const records = crmRecords(customers);

let crm: DemoCrm;
let system: ConnectedSystem;

beforeEach(async () => {
  crm = await startDemoCrm({ secret, records });
  system = { ...systemInputSchema.parse(crmSystem(crm.url)), systemId: 'crm', updatedAt: new Date().toISOString() };
});
afterEach(async () => {
  await crm.stop();
});

const erasable = () =>
  system.fields.filter((f) => f.strategy !== 'retain').map((f) => ({ name: f.name, strategy: f.strategy }));

/** What Custodian signs for a call to the CRM's webhook. */
const atWebhook = (body: string) => ({ method: 'POST', path: '/webhook', body });

function call(body: Record<string, unknown>, opts: { secret?: string; header?: string | null; raw?: string } = {}) {
  const text = opts.raw ?? JSON.stringify(body);
  const header = opts.header === null ? undefined : (opts.header ?? sign(opts.secret ?? secret, atWebhook(text)));
  return fetch(crm.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(header ? { [SIGNATURE_HEADER]: header } : {}) },
    body: text,
  });
}

const eraseBody = (localId: string, key = `req-1:crm:erase`, fields = erasable()) => ({
  requestId: 'req-1',
  systemId: 'crm',
  action: 'erase',
  subject: { localId },
  fields,
  idempotencyKey: key,
});

const snapshot = () => JSON.stringify([...crm.store.entries()]);

describe('demo CRM: its own UI', () => {
  it('serves a contact, the counts, 404 for an unknown one, and health', async () => {
    const res = await fetch(`${crm.baseUrl}/contacts/CRM-2`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual(customers[1].crm);
    const list = (await (await fetch(`${crm.baseUrl}/contacts`)).json()) as {
      total: number;
      erased: number;
      contactIds: string[];
    };
    expect(list.total).toBe(records.length);
    expect(list.erased).toBe(0);
    expect(list.contactIds).toEqual(records.map((r) => r.contactId));
    expect((await fetch(`${crm.baseUrl}/contacts/CRM-999`)).status).toBe(404);
    expect((await fetch(`${crm.baseUrl}/health`)).status).toBe(200);
    expect((await fetch(crm.url)).status).toBe(405);
  });
});

describe('demo CRM: the webhook contract', () => {
  it('refuses a bad, missing, stale or mismatched signature with 401 and changes nothing', async () => {
    const before = snapshot();
    const body = eraseBody('CRM-1');
    expect((await call(body, { secret: 'another-secret-entirely' })).status).toBe(401);
    expect((await call(body, { header: null })).status).toBe(401);
    expect(
      (await call(body, { header: sign(secret, atWebhook(JSON.stringify(body)), new Date(Date.now() - 600_000)) }))
        .status,
    ).toBe(401);
    // Signed for one body, sent with another.
    const tampered = JSON.stringify({ ...body, subject: { localId: 'CRM-2' } });
    expect((await call(body, { raw: tampered, header: sign(secret, atWebhook(JSON.stringify(body))) })).status).toBe(
      401,
    );
    // Signed for another path (the events route) or method.
    const text = JSON.stringify(body);
    expect((await call(body, { header: sign(secret, { method: 'POST', path: '/events', body: text }) })).status).toBe(
      401,
    );
    expect((await call(body, { header: sign(secret, { method: 'PUT', path: '/webhook', body: text }) })).status).toBe(
      401,
    );
    expect(snapshot()).toBe(before);
    expect(crm.stats()).toMatchObject({ rejected: 6, applied: 0 });
    // A later good call with the same key still applies: refusals claimed nothing.
    expect((await call(body)).status).toBe(200);
    expect(crm.store.get('CRM-1')?.firstName).toBe('[REDACTED]');
  });

  it('answers 400 to a signed body that is not JSON or not the contract', async () => {
    const before = snapshot();
    expect((await call({}, { raw: '{not json' })).status).toBe(400);
    expect((await call({ ...eraseBody('CRM-1'), action: 'delete_everything' })).status).toBe(400);
    expect((await call({ ...eraseBody('CRM-1'), fields: [{ name: 'email', strategy: 'shred' }] })).status).toBe(400);
    const { idempotencyKey: _k, ...noKey } = eraseBody('CRM-1');
    expect((await call(noKey)).status).toBe(400);
    expect(snapshot()).toBe(before);
  });

  it('erases per field strategy, leaves other fields and other contacts alone', async () => {
    const original = crm.store.get('CRM-2')!;
    const res = await call(eraseBody('CRM-2'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      idempotencyKey: 'req-1:crm:erase',
      status: 'succeeded',
      recordsAffected: 1,
      fieldsChanged: ['firstName', 'lastName', 'email', 'phone', 'notes', 'marketingSegment'],
    });
    const now = crm.store.get('CRM-2')!;
    expect(now.firstName).toBe('[REDACTED]');
    expect(now.lastName).toBe('[REDACTED]');
    expect(now.email).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(now.phone).toBe('*'.repeat(original.phone.length - 2) + original.phone.slice(-2));
    expect(now.notes).toBeNull();
    expect(now.marketingSegment).toBeNull();
    expect(now.contactId).toBe('CRM-2');
    expect(now.lastContactedOn).toBe(original.lastContactedOn);
    expect(crm.store.get('CRM-1')).toEqual(customers[0].crm);
    const shown = await (await fetch(`${crm.baseUrl}/contacts/CRM-2`)).json();
    expect(shown).toEqual(now);
    // A second erasure (another request) finds nothing left to change.
    const again = await (await call(eraseBody('CRM-2', 'req-2:crm:erase'))).json();
    expect(again).toMatchObject({ status: 'succeeded', recordsAffected: 0, fieldsChanged: [] });
  });

  it('is idempotent: a replay answers the same and changes nothing; a reused key with another call is refused', async () => {
    const first = await (await call(eraseBody('CRM-3'))).json();
    const after = snapshot();
    const replay = await call(eraseBody('CRM-3'));
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual(first);
    expect(snapshot()).toBe(after);
    expect(crm.stats()).toMatchObject({ applied: 1, replays: 1 });
    expect((await call(eraseBody('CRM-4'))).status).toBe(409);
    expect(crm.store.get('CRM-4')).toEqual(customers[3].crm);
  });

  it('deletes the row for delete_row, and answers succeeded with 0 records for an unknown contact', async () => {
    const res = (await (
      await call(eraseBody('CRM-5', 'k-del', [{ name: 'notes', strategy: 'delete_row' }]))
    ).json()) as { fieldsChanged: string[] };
    expect(res).toMatchObject({ status: 'succeeded', recordsAffected: 1 });
    expect(res.fieldsChanged).toContain('email');
    expect(res.fieldsChanged).not.toContain('contactId');
    expect(crm.store.has('CRM-5')).toBe(false);
    expect((await fetch(`${crm.baseUrl}/contacts/CRM-5`)).status).toBe(404);
    const unknown = await (await call(eraseBody('CRM-404', 'k-unknown'))).json();
    expect(unknown).toEqual({
      idempotencyKey: 'k-unknown',
      status: 'succeeded',
      recordsAffected: 0,
      fieldsChanged: [],
    });
  });

  it('verify reports the fields still held before erasure and none after (never cached)', async () => {
    const verify = { ...eraseBody('CRM-6', 'req-9:crm:verify'), action: 'verify' };
    const before = await (await call(verify)).json();
    expect(before).toEqual({
      idempotencyKey: 'req-9:crm:verify',
      erased: false,
      remaining: ['firstName', 'lastName', 'email', 'phone', 'notes', 'marketingSegment'],
    });
    await call(eraseBody('CRM-6', 'req-9:crm:erase'));
    expect(await (await call(verify)).json()).toEqual({
      idempotencyKey: 'req-9:crm:verify',
      erased: true,
      remaining: [],
    });
    const gone = await (await call({ ...verify, subject: { localId: 'CRM-404' } })).json();
    expect(gone).toMatchObject({ erased: true, remaining: [] });
  });

  it('failNext makes the next n calls fail with the status, then works again', async () => {
    crm.failNext(2, 503);
    expect((await call(eraseBody('CRM-7'))).status).toBe(503);
    expect((await call(eraseBody('CRM-7'))).status).toBe(503);
    expect(crm.store.get('CRM-7')).toEqual(customers[6].crm);
    expect((await call(eraseBody('CRM-7'))).status).toBe(200);
    expect(crm.store.get('CRM-7')?.notes).toBeNull();
    expect(crm.stats()).toMatchObject({ injectedFailures: 2, applied: 1 });
  });
});

describe('demo CRM driven by the real HttpWebhookConnector', () => {
  const workFor = (c: DemoCustomer, requestId: string): SystemWork => {
    const [task] = planErasure(
      requestId,
      c.input.crossReferences.filter((x) => x.systemId === 'crm').map((x) => ({ ...x, since: '' })),
      [system],
      new Date(),
    );
    expect(task.state).toBe('pending');
    return {
      requestId,
      system,
      action: 'erase',
      localId: task.localId,
      fields: task.fields.map((f) => system.fields.find((s) => s.name === f.name) as FieldRule),
      idempotencyKey: `${requestId}:crm`,
    };
  };
  const connector = () => new HttpWebhookConnector({ kind: 'http', url: crm.url, timeoutMs: 2000 }, secret);

  it('erases and verifies: dirty before, clean after, a retry with the same key is a no-op', async () => {
    const work = workFor(customers[7], 'req-a');
    const c = connector();
    expect(await c.verify(work)).toEqual({
      verified: false,
      remaining: work.fields.map((f) => f.name),
      method: 'webhook-verify',
    });
    const outcome = await c.execute(work);
    expect(outcome).toEqual({ recordsAffected: 1, fieldsChanged: work.fields.map((f) => f.name) });
    expect(crm.store.get('CRM-8')?.lastName).toBe('[REDACTED]');
    const after = snapshot();
    expect(await c.execute(work)).toEqual(outcome);
    expect(snapshot()).toBe(after);
    expect(await c.verify(work)).toEqual({ verified: true, remaining: [], method: 'webhook-verify' });
  });

  it('surfaces injected 5xx/429 as transient (retried with the same key), other 4xx as permanent', async () => {
    const work = workFor(customers[8], 'req-b');
    const c = connector();
    crm.failNext(2, 503);
    await expect(c.execute(work)).rejects.toBeInstanceOf(TransientSystemError);
    await expect(c.execute(work)).rejects.toBeInstanceOf(TransientSystemError);
    expect(crm.store.get('CRM-9')).toEqual(customers[8].crm);
    expect(await c.execute(work)).toMatchObject({ recordsAffected: 1 });
    crm.failNext(1, 429);
    await expect(c.execute(work)).rejects.toBeInstanceOf(TransientSystemError);
    crm.failNext(1, 400);
    await expect(c.execute(work)).rejects.toBeInstanceOf(PermanentSystemError);
    expect(await c.execute(work)).toMatchObject({ recordsAffected: 1 });
  });

  it('a connector with the wrong secret is refused for good, and nothing changes', async () => {
    const before = snapshot();
    const wrong = new HttpWebhookConnector({ kind: 'http', url: crm.url, timeoutMs: 2000 }, 'not-the-shared-secret');
    await expect(wrong.execute(workFor(customers[9], 'req-c'))).rejects.toThrow(/refused with 401/);
    expect(snapshot()).toBe(before);
  });

  it('restrict and opt_out set the CRM flags once', async () => {
    const c = connector();
    const base = workFor(customers[10], 'req-d');
    expect(await c.execute({ ...base, action: 'restrict', fields: [] })).toEqual({
      recordsAffected: 1,
      fieldsChanged: ['processingRestricted'],
    });
    expect(await c.execute({ ...base, action: 'opt_out', fields: [] })).toEqual({
      recordsAffected: 1,
      fieldsChanged: ['marketingOptOut'],
    });
    expect(await c.execute({ ...base, idempotencyKey: 'other', action: 'opt_out', fields: [] })).toEqual({
      recordsAffected: 0,
      fieldsChanged: [],
    });
    expect(crm.store.get('CRM-11')).toMatchObject({
      processingRestricted: true,
      marketingOptOut: true,
      firstName: customers[10].input.name.given,
    });
  });
});

describe('demo CRM persistence', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'custodian-crm-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps its store and idempotency log across restarts when given a file', async () => {
    const persistPath = path.join(dir, 'crm.json');
    const first = await startDemoCrm({ secret, records, persistPath });
    const body = eraseBody('CRM-1', 'persist-key');
    const text = JSON.stringify(body);
    const post = (url: string) =>
      fetch(url, { method: 'POST', headers: { [SIGNATURE_HEADER]: sign(secret, atWebhook(text)) }, body: text });
    const answer = await (await post(first.url)).json();
    await first.stop();

    const second = await startDemoCrm({ secret, records, persistPath });
    try {
      expect(second.store.get('CRM-1')?.firstName).toBe('[REDACTED]');
      expect(second.store.size).toBe(records.length);
      expect(await (await post(second.url)).json()).toEqual(answer);
      expect(second.stats()).toMatchObject({ replays: 1, applied: 0 });
    } finally {
      await second.stop();
    }
  });
});
