/**
 * The DynamoDB adapters against Amazon DynamoDB Local, on the tables the CDK stack defines:
 * the races the ports promise to survive, run for real with parallel writers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyChain } from '#core/audit/event.ts';
import type { ConsentEvent } from '#core/consent/consent.ts';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import type { GoldenRecord } from '#core/ecif/customer.ts';
import type { PrivacyRequest } from '#core/requests/request.ts';
import { ConflictError, IdempotencyKeyReusedError } from '#core/shared/errors.ts';
import { newId } from '#core/shared/ids.ts';
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
      return stores.deps.ecif.saveCustomer({ record: r, addIdentities: r.identities, removeIdentities: [], crossReferences: [], removeCrossReferences: [] });
    });
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(ConflictError);
    const owner = await stores.deps.ecif.findByIdentity(identityKeysOf({ email }, stores.deps.hash)[0]);
    expect(['R1', 'R2', 'R3', 'R4'][results.indexOf(won[0])]).toBe(owner);
  });

  it('erasing drops the index and suppresses the identities in one step', async () => {
    const r = record('E1', 'gone@example.com');
    await stores.deps.ecif.saveCustomer({ record: r, addIdentities: r.identities, removeIdentities: [], crossReferences: [], removeCrossReferences: [] });
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
      fc.asyncProperty(fc.array(fc.constantFrom('granted', 'denied', 'withdrawn') as fc.Arbitrary<ConsentEvent['state']>, { minLength: 2, maxLength: 12 }), async (states) => {
        const ecifId = `PROP${subject++}`;
        const base = Date.parse('2026-03-01T00:00:00.000Z');
        const events: ConsentEvent[] = states.map((state, i) => {
          const capturedAt = new Date(base + i * 1000).toISOString();
          return {
            ecifId, eventId: newId(new Date(base + i * 1000)), purpose: 'marketing', channel: 'email', state,
            lawfulBasis: 'consent', jurisdiction: 'GDPR', notice: { id: 'n', version: '1' }, method: 'web',
            evidence: { actorRole: 'customer', actorId: ecifId }, capturedAt, receiptId: `R${i}`,
          };
        });
        // All at once, in a shuffled order: the latest event must win the projection.
        await Promise.all([...events].reverse().map((e) => stores.deps.consent.append([e])));
        const { states: current } = await stores.deps.consent.current(ecifId);
        expect(current).toHaveLength(1);
        expect(current[0].eventId).toBe(events.at(-1)!.eventId);
        expect(current[0].state).toBe(states.at(-1));
      }),
      { numRuns: 8 },
    );
  });

  it('is idempotent: appending the same event twice keeps one ledger entry', async () => {
    const e: ConsentEvent = {
      ecifId: 'IDEM1', eventId: newId(), purpose: 'analytics', channel: 'any', state: 'granted', lawfulBasis: 'consent',
      jurisdiction: 'GDPR', notice: { id: 'n', version: '1' }, method: 'web', evidence: { actorRole: 'customer', actorId: 'IDEM1' },
      capturedAt: new Date().toISOString(), receiptId: 'R',
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
});

describe('request store', () => {
  const request = (): PrivacyRequest => ({
    id: newId(), type: 'erasure', jurisdiction: 'GDPR', channel: 'api', status: 'received', identityKeys: [],
    verification: { state: 'pending', method: 'pending-placeholder' }, receivedAt: '2026-02-01T00:00:00.000Z',
    ackDueAt: '2026-02-13T00:00:00.000Z', dueAt: '2026-03-01T00:00:00.000Z', updatedAt: '2026-02-01T00:00:00.000Z',
  });

  it('an Idempotency-Key replays the first request, and refuses another body', async () => {
    const first = request();
    const claim = { keyHash: 'k'.repeat(64), bodyHash: 'b'.repeat(64) };
    expect((await stores.deps.requests.create(first, claim)).replayed).toBe(false);
    const again = await stores.deps.requests.create(request(), claim);
    expect(again).toMatchObject({ replayed: true, request: { id: first.id } });
    await expect(stores.deps.requests.create(request(), { ...claim, bodyHash: 'c'.repeat(64) })).rejects.toBeInstanceOf(IdempotencyKeyReusedError);
  });

  it('plans are idempotent: a task written twice keeps its first state', async () => {
    const r = request();
    await stores.deps.requests.create(r);
    const task = { requestId: r.id, systemId: 'crm', action: 'erase' as const, localId: 'L1', state: 'pending' as const, attempts: 0, fields: [], exemptions: [], updatedAt: r.receivedAt };
    await stores.deps.requests.putTaskIfAbsent(task);
    await stores.deps.requests.updateTask(r.id, 'crm', { state: 'succeeded' });
    await stores.deps.requests.putTaskIfAbsent(task);
    expect((await stores.deps.requests.getTask(r.id, 'crm'))?.state).toBe('succeeded');
  });
});

describe('audit log', () => {
  it('parallel appends to one stream get consecutive sequence numbers and a chain that verifies', async () => {
    const actor = { role: 'system' as const, principal: 'test' };
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => stores.deps.audit.append({ stream: 'race', actor, action: 'test.appended', target: {}, details: { i } })),
    );
    const events = await stores.deps.audit.stream('race');
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(verifyChain(events)).toBeUndefined();
  });
});
