/**
 * The DynamoDB adapters against Amazon DynamoDB Local, on the tables the CDK stack defines:
 * the races the ports promise to survive, run for real with parallel writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyChain } from '#core/audit/event.ts';
import { flagNames, noFlags, type ConsentEvent } from '#core/consent/consent.ts';
import { replay } from '#core/consent/history.ts';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import type { GoldenRecord } from '#core/ecif/customer.ts';
import type { PrivacyRequest } from '#core/requests/request.ts';
import { ConflictError, InvalidInputError } from '#core/shared/errors.ts';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { newId } from '#core/shared/ids.ts';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { DynamoAuditLog } from '#adapters/dynamodb/audit-log.ts';
import { DynamoSystemsRegistry } from '#adapters/dynamodb/systems-registry.ts';
import { systemInputSchema, type ConnectedSystem } from '#core/connectors/system.ts';
import { systemClock } from '#core/shared/clock.ts';
import { pageCursors } from '#core/shared/page-cursor.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
beforeAll(async () => {
  stores = await startLocalStores();
}, 60_000);
afterAll(async () => stores?.stop());

const record = (ecifId: string, email: string): GoldenRecord =>
  ({
    ecifId,
    status: 'active',
    emails: [email],
    phones: [],
    nationalIds: [],
    identities: identityKeysOf({ email }, stores.deps.hash),
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  }) as unknown as GoldenRecord;

describe('ECIF registry', () => {
  it('binds an identity to exactly one customer when two stewards race for it', async () => {
    const email = 'race@example.com';
    const attempts = ['R1', 'R2', 'R3', 'R4'].map((id) => {
      const r = record(id, email);
      return stores.deps.ecif.saveCustomer({
        record: r,
        addIdentities: r.identities,
        removeIdentities: [],
        crossReferences: [],
        removeCrossReferences: [],
      });
    });
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(lost).toHaveLength(3);
    for (const r of lost) expect(r.reason).toBeInstanceOf(ConflictError);
    const owner = await stores.deps.ecif.findByIdentity(identityKeysOf({ email }, stores.deps.hash)[0]);
    expect(['R1', 'R2', 'R3', 'R4'][results.indexOf(won[0])]).toBe(owner);
  });

  it('erasing drops the index and suppresses the identities in one step', async () => {
    const r = record('E1', 'gone@example.com');
    await stores.deps.ecif.saveCustomer({
      record: r,
      addIdentities: r.identities,
      removeIdentities: [],
      crossReferences: [],
      removeCrossReferences: [],
    });
    await stores.deps.ecif.eraseCustomer({ ...r, status: 'erased', emails: [] } as GoldenRecord, r.identities);
    expect(await stores.deps.ecif.findByIdentity(r.identities[0])).toBeUndefined();
    expect(await stores.deps.ecif.suppressed(r.identities)).toEqual(r.identities);
    expect((await stores.deps.ecif.getCustomer('E1'))?.status).toBe('erased');
  });
});

describe('consent ledger', () => {
  it('leaves ledger and projection in agreement under parallel writers (property)', async () => {
    let subject = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('granted', 'denied', 'withdrawn') as fc.Arbitrary<ConsentEvent['state']>, {
          minLength: 2,
          maxLength: 12,
        }),
        async (states) => {
          const ecifId = `PROP${subject++}`;
          const base = Date.parse('2026-03-01T00:00:00.000Z');
          const events: ConsentEvent[] = states.map((state, i) => {
            const capturedAt = new Date(base + i * 1000).toISOString();
            return {
              ecifId,
              eventId: newId(new Date(base + i * 1000)),
              purpose: 'marketing',
              channel: 'email',
              state,
              lawfulBasis: 'consent',
              jurisdiction: 'GDPR',
              notice: { id: 'n', version: '1' },
              method: 'web',
              evidence: { actorRole: 'customer', actorId: ecifId },
              capturedAt,
              receiptId: `R${i}`,
            };
          });
          // All at once, in a shuffled order: the latest event must win the projection.
          await Promise.all([...events].reverse().map((e) => stores.deps.consent.append([e])));
          const { states: current } = await stores.deps.consent.current(ecifId);
          expect(current).toHaveLength(1);
          expect(current[0].eventId).toBe(events.at(-1)!.eventId);
          expect(current[0].state).toBe(states.at(-1));
        },
      ),
      { numRuns: 8 },
    );
  });

  it('flag changes are ledger events: written in parallel in any order, each flag ends at its latest event (property)', async () => {
    let subject = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ flag: fc.constantFrom(...flagNames), value: fc.boolean() }), {
          minLength: 1,
          maxLength: 10,
        }),
        async (changes) => {
          const ecifId = `FLAGPROP${subject++}`;
          const base = Date.parse('2026-03-01T00:00:00.000Z');
          // Latest first, all at once: only a later event may move a flag's projection.
          await Promise.all(
            changes
              .map(
                (c, i) => () =>
                  stores.deps.consent.setFlags(ecifId, { [c.flag]: c.value }, new Date(base + i * 1000).toISOString(), {
                    requestId: `Q${i}`,
                  }),
              )
              .reverse()
              .map((write) => write()),
          );
          const { items } = await stores.deps.consent.history(ecifId, { limit: 100 });
          expect(items).toHaveLength(changes.length);
          const expected = { ...noFlags };
          for (const c of changes) expected[c.flag] = c.value;
          expect(replay(items).flags).toEqual(expected);
          expect((await stores.deps.consent.current(ecifId)).flags).toEqual(expected);
        },
      ),
      { numRuns: 8 },
    );
  });

  it('a flag set again by the same cause (a retried step) is recorded once; by another cause, again', async () => {
    const erase = (at: string, requestId: string) =>
      stores.deps.consent.setFlags('FLAGRETRY1', { erased: true }, at, { requestId });
    await erase('2026-03-01T00:00:00.000Z', 'REQ-1');
    await erase('2026-03-01T00:00:05.000Z', 'REQ-1');
    expect((await stores.deps.consent.history('FLAGRETRY1', { limit: 10 })).items).toHaveLength(1);
    await erase('2026-03-01T00:00:09.000Z', 'REQ-2');
    const { items } = await stores.deps.consent.history('FLAGRETRY1', { limit: 10 });
    expect(items.map((e) => ('cause' in e ? e.cause : undefined))).toEqual([
      { requestId: 'REQ-1' },
      { requestId: 'REQ-2' },
    ]);
    expect((await stores.deps.consent.current('FLAGRETRY1')).flags.erased).toBe(true);
  });

  it("carries a deployment's existing flags over as a first event each, once", async () => {
    const { PutCommand } = await import('@aws-sdk/lib-dynamodb');
    const { DynamoConsentLedger } = await import('#adapters/dynamodb/consent-ledger.ts');
    const ledger = stores.deps.consent as InstanceType<typeof DynamoConsentLedger>;
    // A FLAGS item as the code before flag events wrote it: values and updatedAt, no events.
    await documentClient().send(
      new PutCommand({
        TableName: stores.tables.consent,
        Item: {
          PK: 'SUBJ#LEGACY1',
          SK: 'CUR#~FLAGS',
          optOutSale: true,
          optOutSharing: true,
          restricted: false,
          updatedAt: '2025-11-03T09:00:00.000Z',
        },
      }),
    );
    expect((await ledger.history('LEGACY1', { limit: 10 })).items).toEqual([]);
    expect(await ledger.carryOverFlags(new Date().toISOString())).toBeGreaterThanOrEqual(2);
    const { items } = await ledger.history('LEGACY1', { limit: 10 });
    // One instant for both: their order is their event ids'.
    expect([...items].sort((a, b) => ('flag' in a && 'flag' in b ? a.flag.localeCompare(b.flag) : 0))).toEqual(
      ['optOutSale', 'optOutSharing'].map((flag) => ({
        kind: 'flag',
        ecifId: 'LEGACY1',
        eventId: expect.any(String),
        flag,
        value: true,
        capturedAt: '2025-11-03T09:00:00.000Z',
        cause: { carriedOver: true },
      })),
    );
    expect(replay(items).flags).toEqual((await ledger.current('LEGACY1')).flags);
    expect(replay(items, '2025-11-03T08:59:59.999Z').flags).toEqual(noFlags);
    // Again: nothing more.
    await ledger.carryOverFlags(new Date().toISOString());
    expect((await ledger.history('LEGACY1', { limit: 10 })).items).toHaveLength(2);
  });

  it('is idempotent: appending the same event twice keeps one ledger entry', async () => {
    const e: ConsentEvent = {
      ecifId: 'IDEM1',
      eventId: newId(),
      purpose: 'analytics',
      channel: 'any',
      state: 'granted',
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'n', version: '1' },
      method: 'web',
      evidence: { actorRole: 'customer', actorId: 'IDEM1' },
      capturedAt: new Date().toISOString(),
      receiptId: 'R',
    };
    await stores.deps.consent.append([e]);
    await stores.deps.consent.append([e]);
    const { Items } = await stores.dynamo.client.send(
      new (await import('@aws-sdk/client-dynamodb')).QueryCommand({
        TableName: stores.tables.consent,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :evt)',
        ExpressionAttributeValues: { ':pk': { S: 'SUBJ#IDEM1' }, ':evt': { S: 'EVT#' } },
      }),
    );
    expect(Items).toHaveLength(1);
  });

  it("pages its history with sealed cursors: a crafted, altered or other subject's cursor is a 422, never a store error", async () => {
    const event = (ecifId: string, i: number): ConsentEvent => ({
      ecifId,
      eventId: newId(new Date(Date.parse('2026-04-01T00:00:00.000Z') + i * 1000)),
      purpose: 'analytics',
      channel: 'any',
      state: 'granted',
      lawfulBasis: 'consent',
      jurisdiction: 'GDPR',
      notice: { id: 'n', version: '1' },
      method: 'web',
      evidence: { actorRole: 'customer', actorId: ecifId },
      capturedAt: new Date(Date.parse('2026-04-01T00:00:00.000Z') + i * 1000).toISOString(),
      receiptId: `R${i}`,
    });
    for (const id of ['PAGE1', 'PAGE2']) for (const i of [0, 1, 2]) await stores.deps.consent.append([event(id, i)]);
    const first = await stores.deps.consent.history('PAGE1', { limit: 2 });
    expect(first.next).toBeDefined();
    const rest = await stores.deps.consent.history('PAGE1', { limit: 2, cursor: first.next });
    expect([...first.items, ...rest.items].map((e) => (e as ConsentEvent).receiptId)).toEqual(['R0', 'R1', 'R2']);
    // The cursor: the subject's own partition key with any other key beside it.
    const crafted = Buffer.from(JSON.stringify({ PK: 'SUBJ#PAGE1', SK: 'EVT#x', extra: 'y' })).toString('base64url');
    const [body, tag] = first.next!.split('.');
    const altered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), extra: 1 })).toString('base64url')}.${tag}`;
    for (const [ecifId, cursor, until] of [
      ['PAGE1', crafted],
      ['PAGE1', `${crafted}.${tag}`],
      ['PAGE1', altered],
      ['PAGE2', first.next!],
      ['PAGE1', first.next!, '2026-04-01T00:00:00.500Z'],
    ] as const) {
      await expect(
        stores.deps.consent.history(ecifId, { limit: 2, cursor, ...(until ? { until } : {}) }),
      ).rejects.toBeInstanceOf(InvalidInputError);
    }
  });
});

describe('decision round trips (what the decision bench rests on)', () => {
  it('the ECIF statuses of one subject (a GetItem) and of several (a BatchGetItem) answer alike', async () => {
    const at = '2026-04-01T00:00:00.000Z';
    for (const [ecifId, status] of [
      ['ST1', 'active'],
      ['ST2', 'erased'],
    ] as const)
      await stores.deps.ecif.saveCustomer({
        record: {
          ecifId,
          status,
          name: null,
          addresses: [],
          emails: [],
          phones: [],
          nationalIds: [],
          identities: [],
          createdAt: at,
          updatedAt: at,
        },
        addIdentities: [],
        removeIdentities: [],
        crossReferences: [],
        removeCrossReferences: [],
      });
    const all = await stores.deps.ecif.statuses(['ST1', 'ST2', 'ST-NONE']);
    expect([...all].sort()).toEqual([
      ['ST1', { status: 'active' }],
      ['ST2', { status: 'erased' }],
    ]);
    for (const id of ['ST1', 'ST2', 'ST-NONE'])
      expect([...(await stores.deps.ecif.statuses([id, id]))]).toEqual(all.has(id) ? [[id, all.get(id)]] : []);
  });

  it('by ecifId the ECIF and the consent state at once; by a local id one index read first; batches 33 subjects a consent read, 100 an ECIF read', async () => {
    const { documentClient } = await import('#adapters/dynamodb/client.ts');
    const { decideBatch, decideConsent } = await import('#core/consent/decide-consent.ts');
    // Each call's start and end, in order: two calls at once start both before either ends.
    const seen: string[] = [];
    documentClient().middlewareStack.add(
      (next, context) => async (args) => {
        seen.push(`> ${context.commandName}`);
        try {
          return await next(args);
        } finally {
          seen.push(`< ${context.commandName}`);
        }
      },
      { step: 'initialize', name: 'roundTripCounter' },
    );
    try {
      await decideConsent(stores.deps, { ecifId: 'RT1', purpose: 'marketing', channel: 'email' });
      // One subject's ECIF status is a GetItem (cheaper than a BatchGetItem of one key).
      expect(seen.slice(0, 2).sort()).toEqual(['> GetItemCommand', '> QueryCommand']);
      expect(seen).toHaveLength(4);
      seen.length = 0;
      await decideConsent(stores.deps, {
        systemId: 'crm',
        localId: 'RT-LOCAL',
        purpose: 'marketing',
        channel: 'email',
      });
      // Unknown local id: the index and suppression read says so, no consent read.
      expect(seen).toEqual(['> BatchGetItemCommand', '< BatchGetItemCommand']);
      seen.length = 0;
      await decideBatch(stores.deps, {
        purpose: 'marketing',
        channel: 'email',
        subjects: Array.from({ length: 66 }, (_, i) => ({ ecifId: `RTB${i}` })),
      });
      // One ECIF read for the 66 ecifIds, two consent reads, all three in flight together.
      expect(seen.filter((s) => s.startsWith('>'))).toEqual(Array(3).fill('> BatchGetItemCommand'));
      expect(seen.slice(0, 3)).toEqual(Array(3).fill('> BatchGetItemCommand'));
    } finally {
      documentClient().middlewareStack.remove('roundTripCounter');
    }
  });
});

describe('consent receipts', () => {
  it('are written once and found by id alone', async () => {
    await stores.deps.consent.putReceipt('01JRECEIPT0000000000000001', 'RCPT1', { version: 'KI-CR-v1.1.0', n: 1 });
    await stores.deps.consent.putReceipt('01JRECEIPT0000000000000001', 'RCPT1', { version: 'KI-CR-v1.1.0', n: 2 });
    expect(await stores.deps.consent.receipt('01JRECEIPT0000000000000001')).toEqual({
      ecifId: 'RCPT1',
      receipt: { version: 'KI-CR-v1.1.0', n: 1 },
    });
    expect(await stores.deps.consent.receipt('01JRECEIPT0000000000000002')).toBeUndefined();
  });
});

describe('request store', () => {
  const request = (): PrivacyRequest => ({
    id: newId(),
    type: 'erasure',
    jurisdiction: 'GDPR',
    channel: 'api',
    status: 'received',
    identityKeys: [],
    verification: { state: 'verified', method: 'login' },
    receivedAt: '2026-02-01T00:00:00.000Z',
    ackDueAt: '2026-02-13T00:00:00.000Z',
    dueAt: '2026-03-01T00:00:00.000Z',
    updatedAt: '2026-02-01T00:00:00.000Z',
  });

  it('plans are idempotent: a task written twice keeps its first state', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const task = {
      requestId: r.id,
      systemId: 'crm',
      action: 'erase' as const,
      localId: 'L1',
      state: 'pending' as const,
      attempts: 0,
      fields: [],
      exemptions: [],
      updatedAt: r.receivedAt,
    };
    await stores.deps.requests.putTasksIfAbsent([task]);
    await stores.deps.requests.updateTask(r.id, 'crm', { state: 'succeeded' });
    await stores.deps.requests.putTasksIfAbsent([task]);
    expect((await stores.deps.requests.getTask(r.id, 'crm'))?.state).toBe('succeeded');
    // A re-plan with more systems (one transaction fails on the written one): the new ones are written, the old kept.
    await stores.deps.requests.putTasksIfAbsent(['crm', 'bank', 'dwh'].map((systemId) => ({ ...task, systemId })));
    expect(Object.fromEntries((await stores.deps.requests.tasks(r.id)).map((t) => [t.systemId, t.state]))).toEqual({
      crm: 'succeeded',
      bank: 'pending',
      dwh: 'pending',
    });
  });

  it("a request's system steps starting at once share one read of it and their tasks; a read after that one lands reads again", async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const task = {
      requestId: r.id,
      action: 'erase' as const,
      localId: 'L1',
      state: 'pending' as const,
      attempts: 0,
      fields: [],
      exemptions: [],
      updatedAt: r.receivedAt,
    };
    const systemIds = Array.from({ length: 25 }, (_, i) => `sys-${String(i).padStart(2, '0')}`);
    await stores.deps.requests.putTasksIfAbsent(
      systemIds.map((systemId) => ({ ...task, systemId, localId: `L-${systemId}` })),
    );
    const sent: string[] = [];
    const db = documentClient();
    db.middlewareStack.add(
      (next: any, context: any) => async (args: any) => (sent.push(context.commandName), next(args)),
      { step: 'initialize', name: 'plannedReadCounter' },
    );
    try {
      const reads = await Promise.all(systemIds.map((systemId) => stores.deps.requests.getPlanned(r.id, systemId)));
      // One call for the 25 (in AWS, where a Lambda instance runs one step, each step reads two keys, never the whole plan).
      expect(sent).toEqual(['BatchGetItemCommand']);
      expect(new Set(reads.map((x) => x!.request)).size).toBe(25);
      reads.forEach((x, i) => {
        expect(x!.request).toMatchObject({ id: r.id, type: r.type });
        expect(x!.task).toMatchObject({ systemId: systemIds[i], state: 'pending', localId: `L-${systemIds[i]}` });
      });
      expect(await stores.deps.requests.getPlanned(r.id, 'no-such-system')).toMatchObject({
        request: { id: r.id },
        task: undefined,
      });
      await stores.deps.requests.update(r.id, { subjectFound: true });
      expect((await stores.deps.requests.getPlanned(r.id, 'sys-00'))!.request).toMatchObject({ subjectFound: true });
      expect(await stores.deps.requests.getPlanned('NOPE', 'sys-00')).toBeUndefined();
    } finally {
      db.middlewareStack.remove('plannedReadCounter');
    }
  });

  it('a system step claims an open task once per attempt, and never a settled one', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const task = {
      requestId: r.id,
      systemId: 'crm',
      action: 'erase' as const,
      localId: 'L1',
      state: 'pending' as const,
      attempts: 0,
      fields: [],
      exemptions: [],
      updatedAt: r.receivedAt,
    };
    await stores.deps.requests.putTasksIfAbsent([task]);
    expect(await stores.deps.requests.claimTask(r.id, 'crm', '2026-01-01T00:00:00.000Z')).toMatchObject({
      state: 'running',
      attempts: 1,
      localId: 'L1',
    });
    expect(await stores.deps.requests.claimTask(r.id, 'crm', '2026-01-01T00:00:01.000Z')).toMatchObject({
      state: 'running',
      attempts: 2,
      updatedAt: '2026-01-01T00:00:01.000Z',
    });
    await stores.deps.requests.updateTask(r.id, 'crm', { state: 'succeeded' });
    expect(await stores.deps.requests.claimTask(r.id, 'crm', '2026-01-01T00:00:02.000Z')).toBeUndefined();
    expect(await stores.deps.requests.claimTask(r.id, 'nowhere', '2026-01-01T00:00:02.000Z')).toBeUndefined();
    expect(await stores.deps.requests.getTask(r.id, 'crm')).toMatchObject({ state: 'succeeded', attempts: 2 });
  });

  it('transition changes the status only from the one read: the second of two racing moves is a ConflictError', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const results = await Promise.allSettled([
      stores.deps.requests.transition(r.id, 'received', 'cancelled', { updatedAt: r.receivedAt }),
      stores.deps.requests.transition(r.id, 'received', 'in_progress', { updatedAt: r.receivedAt }),
    ]);
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
    expect(results.filter((x) => x.status === 'rejected').map((x) => (x as PromiseRejectedResult).reason.name)).toEqual(
      ['ConflictError'],
    );
  });

  it('the one door for a status: a move the lifecycle table refuses is a ConflictError naming both, and writes nothing', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const err = await stores.deps.requests
      .transition(r.id, 'received', 'completed', { updatedAt: '2026-03-01T00:00:00.000Z' })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ConflictError',
      extensions: { requestStatus: 'received', wanted: 'completed' },
    });
    expect(await stores.deps.requests.get(r.id)).toEqual(r);
    // Nor can a plain or a same-status update carry a status (a cast gets past the type, not the store).
    const sneaky = { status: 'completed' } as unknown as Parameters<typeof stores.deps.requests.update>[1];
    await expect(stores.deps.requests.update(r.id, sneaky)).rejects.toThrow(/only through transition/);
    await expect(stores.deps.requests.updateIfStatus(r.id, 'received', sneaky)).rejects.toThrow(
      /only through transition/,
    );
    expect((await stores.deps.requests.get(r.id))!.status).toBe('received');
  });

  it('updateIfStatus keeps the status and writes only while it is still the one read', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    await stores.deps.requests.updateIfStatus(r.id, 'received', { attention: 'due_soon' });
    expect(await stores.deps.requests.get(r.id)).toMatchObject({ status: 'received', attention: 'due_soon' });
    await expect(
      stores.deps.requests.updateIfStatus(r.id, 'in_progress', { attention: 'overdue' }),
    ).rejects.toMatchObject({ name: 'ConflictError' });
    expect((await stores.deps.requests.get(r.id))!.attention).toBe('due_soon');
  });

  it('a closed request gets its TTL (retention) and loses its corrected values; neither shows when read', async () => {
    const r = { ...request(), type: 'rectification' as const, corrections: { familyName: 'Smith' } };
    await stores.deps.requests.create(r);
    await stores.deps.requests.transition(r.id, 'received', 'in_progress');
    await stores.deps.requests.transition(r.id, 'in_progress', 'completed', {
      completedAt: '2026-02-10T00:00:00.000Z',
      corrections: undefined,
      updatedAt: r.receivedAt,
    });
    const { Item } = await stores.dynamo.client.send(
      new GetItemCommand({ TableName: stores.tables.requests, Key: { PK: { S: `REQ#${r.id}` }, SK: { S: 'META' } } }),
    );
    expect(Number(Item!.expiresAt.N)).toBe(Date.parse('2026-02-10T00:00:00.000Z') / 1000 + 730 * 86_400);
    expect(Item!.corrections).toBeUndefined();
    const read = await stores.deps.requests.get(r.id);
    expect(read).not.toHaveProperty('expiresAt');
    expect(read).not.toHaveProperty('corrections');
  });

  it('lists by status then held-to deadline, pages with an opaque cursor across statuses, refuses a forged one', async () => {
    const mk = (status: PrivacyRequest['status'], dueAt: string) => ({
      ...request(),
      type: 'portability' as const,
      jurisdiction: 'CCPA' as const,
      status,
      dueAt,
    });
    const items = [
      mk('received', '2026-03-03T00:00:00.000Z'),
      mk('received', '2026-03-01T00:00:00.000Z'),
      mk('needs_attention', '2026-03-02T00:00:00.000Z'),
    ];
    for (const r of items) await stores.deps.requests.create(r);
    // An extension moves a request along the deadline index.
    await stores.deps.requests.update(items[0].id, {
      extension: {
        extendedDueAt: '2026-05-01T00:00:00.000Z',
        reason: 'x'.repeat(10),
        at: '',
        by: { role: 'operator', principal: 'o' },
      },
    });
    const filter = {
      statuses: ['received', 'needs_attention'] as const,
      type: 'portability' as const,
      jurisdiction: 'CCPA' as const,
    };
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await stores.deps.requests.list(
        { ...filter, statuses: [...filter.statuses] },
        { limit: 1, ...(cursor ? { cursor } : {}) },
      );
      seen.push(...page.items.map((i) => i.id));
      cursor = page.cursor;
    } while (cursor);
    expect(seen).toEqual([items[1].id, items[0].id, items[2].id]);
    const due = await stores.deps.requests.list(
      { ...filter, statuses: ['received'], dueBefore: '2026-04-01T00:00:00.000Z' },
      { limit: 10 },
    );
    expect(due.items.map((i) => i.id)).toEqual([items[1].id]);
    const forged = Buffer.from(
      JSON.stringify({ s: 0, k: { PK: 'x', SK: 'y', GSI1PK: 'STATUS#completed', GSI1SK: 'z' } }),
    ).toString('base64url');
    await expect(
      stores.deps.requests.list({ statuses: ['received'] }, { limit: 1, cursor: forged }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('the open-request claim: the first holds it while open; a closed holder is taken over', async () => {
    const [a, b] = [request(), request()];
    await stores.deps.requests.create(a);
    await stores.deps.requests.create(b);
    expect(await stores.deps.requests.claimOpen('CLAIM1', 'access', a.id)).toBe(a.id);
    expect(await stores.deps.requests.claimOpen('CLAIM1', 'access', b.id)).toBe(a.id);
    expect(await stores.deps.requests.claimOpen('CLAIM1', 'erasure', b.id)).toBe(b.id);
    await stores.deps.requests.transition(a.id, 'received', 'in_progress');
    await stores.deps.requests.transition(a.id, 'in_progress', 'completed');
    expect(await stores.deps.requests.claimOpen('CLAIM1', 'access', b.id)).toBe(b.id);
  });

  it('countAttempt counts one try per count read', async () => {
    const r = {
      ...request(),
      status: 'pending_verification' as const,
      verification: { state: 'pending' as const, method: 'code' as const, codeHash: 'h', attempts: 0 },
    };
    await stores.deps.requests.create(r);
    const results = await Promise.allSettled([
      stores.deps.requests.countAttempt(r.id, 0),
      stores.deps.requests.countAttempt(r.id, 0),
    ]);
    expect(results.map((x) => x.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await stores.deps.requests.get(r.id))!.verification.attempts).toBe(1);
  });
});

describe('audit log', () => {
  it('parallel appends to one stream get consecutive sequence numbers and a chain that verifies', async () => {
    const actor = { role: 'system' as const, principal: 'test' };
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        stores.deps.audit.append({ stream: 'race', actor, action: 'test.appended', target: {}, details: { i } }),
      ),
    );
    const events = await stores.deps.audit.stream('race');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(verifyChain(events)).toBeUndefined();
  });

  it('appends from one process to one stream are group-committed: 25 at once cost one put and one transaction, no lost race, no head re-read', async () => {
    const actor = { role: 'system' as const, principal: 'test' };
    const sent: string[] = [];
    const db = documentClient();
    const counter = (next: any, context: any) => async (args: any) => {
      sent.push(context.commandName);
      return next(args);
    };
    db.middlewareStack.add(counter, { step: 'initialize', name: 'auditPutCounter' });
    try {
      await stores.deps.audit.append({
        stream: 'one-process',
        actor,
        action: 'test.appended',
        target: {},
        details: { i: -1 },
      });
      sent.length = 0;
      await Promise.all(
        Array.from({ length: 25 }, (_, i) =>
          stores.deps.audit.append({
            stream: 'one-process',
            actor,
            action: 'test.appended',
            target: {},
            details: { i },
          }),
        ),
      );
    } finally {
      db.middlewareStack.remove('auditPutCounter');
    }
    // The first goes at once; the 24 queued behind it go together.
    expect(sent).toEqual(['PutItemCommand', 'TransactWriteItemsCommand']);
    const events = await stores.deps.audit.stream('one-process');
    expect(events.map((e) => e.details.i)).toEqual([-1, ...Array.from({ length: 25 }, (_, i) => i)]);
    expect(verifyChain(events)).toBeUndefined();
  });

  it('a registration read from memory is never older than the last put here, even when a read raced the put', async () => {
    const registry = new DynamoSystemsRegistry(documentClient(), stores.tables.ecif, 60_000);
    const at = (url: string) => ({
      ...systemInputSchema.parse({
        name: 'Raced',
        connector: { kind: 'http', url, timeoutMs: 1000 },
        capabilities: ['erase'],
        fields: [],
      }),
      systemId: 'raced',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    await registry.put(at('http://old.example/hook'));
    const db = documentClient();
    // The read is held back until the put has landed: it read the old registration, and answers after the new one is stored.
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    db.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const out = await next(args);
        if (context.commandName === 'GetItemCommand' && args.input.Key?.SK === 'SYSTEM#raced') await held;
        return out;
      },
      { step: 'initialize', name: 'holdSystemRead' },
    );
    try {
      const fresh = new DynamoSystemsRegistry(db, stores.tables.ecif, 60_000);
      const racing = fresh.get('raced');
      await new Promise((r) => setTimeout(r, 50));
      await fresh.put(at('http://new.example/hook'));
      release();
      expect((await racing)?.connector).toMatchObject({ url: 'http://old.example/hook' });
      expect((await fresh.get('raced'))?.connector).toMatchObject({ url: 'http://new.example/hook' });
    } finally {
      db.middlewareStack.remove('holdSystemRead');
    }
  });

  it('the list read from memory is never older than the last put here, even when a listing raced the put', async () => {
    const at = (url: string) => ({
      ...systemInputSchema.parse({
        name: 'Listed',
        connector: { kind: 'http', url, timeoutMs: 1000 },
        capabilities: ['erase'],
        fields: [],
      }),
      systemId: 'listed',
      updatedAt: '2026-12-01T00:00:00.000Z',
    });
    await new DynamoSystemsRegistry(documentClient(), stores.tables.ecif, 60_000).put(at('http://old.example/hook'));
    const db = documentClient();
    const queries: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    db.middlewareStack.add(
      (next: any, context: any) => async (args: any) => {
        const out = await next(args);
        if (context.commandName === 'QueryCommand' && args.input.ExpressionAttributeValues?.[':pk'] === 'SYSTEMS') {
          queries.push('list');
          await held;
        }
        return out;
      },
      { step: 'initialize', name: 'holdSystemsList' },
    );
    const urlIn = (systems: ConnectedSystem[]) => systems.find((x) => x.systemId === 'listed')?.connector;
    try {
      const fresh = new DynamoSystemsRegistry(db, stores.tables.ecif, 60_000);
      const racing = fresh.list();
      await new Promise((r) => setTimeout(r, 50));
      await fresh.put(at('http://new.example/hook'));
      release();
      expect(urlIn(await racing)).toMatchObject({ url: 'http://old.example/hook' });
      expect(urlIn(await fresh.list())).toMatchObject({ url: 'http://new.example/hook' });
      // Remembered now: the next listing is answered from memory, a copy the caller may change.
      const listed = await fresh.list();
      listed.length = 0;
      expect(urlIn(await fresh.list())).toMatchObject({ url: 'http://new.example/hook' });
      expect(queries).toHaveLength(2);
    } finally {
      db.middlewareStack.remove('holdSystemsList');
    }
  });

  it('two processes (two Lambda instances) racing on one stream still chain without gap or overwrite', async () => {
    const actor = { role: 'system' as const, principal: 'test' };
    const other = new DynamoAuditLog(
      documentClient(),
      stores.tables.audit,
      pageCursors('another-process'),
      systemClock,
    );
    await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        (i % 2 ? other : stores.deps.audit).append({
          stream: 'two-processes',
          actor,
          action: 'test.appended',
          target: {},
          details: { i },
        }),
      ),
    );
    const events = await stores.deps.audit.stream('two-processes');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 16 }, (_, i) => i + 1));
    expect(new Set(events.map((e) => e.details.i)).size).toBe(16);
    expect(verifyChain(events)).toBeUndefined();
  });

  it('a failed append does not stop the next one queued behind it on the stream', async () => {
    const actor = { role: 'system' as const, principal: 'test' };
    const bad = {
      stream: 'after-failure',
      actor,
      action: 'test.appended',
      target: {},
      details: { big: 'x'.repeat(500_000) },
    };
    const results = await Promise.allSettled([
      stores.deps.audit.append(bad),
      stores.deps.audit.append({
        stream: 'after-failure',
        actor,
        action: 'test.appended',
        target: {},
        details: { i: 1 },
      }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((await stores.deps.audit.stream('after-failure')).map((e) => e.seq)).toEqual([1]);
  });
});
