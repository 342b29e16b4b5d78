/**
 * DynamoDB faults, injected under the SDK's own retry (throttling) and as conflicting transactions
 * (TransactionConflict): with the SDK's retries and ours, every write lands exactly once and
 * nothing is half-written, on the real adapters against DynamoDB Local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { verifyChain } from '#core/audit/event.ts';
import type { ConsentEvent } from '#core/consent/consent.ts';
import { upsertCustomer } from '#core/ecif/upsert-customer.ts';
import { newId } from '#core/shared/ids.ts';
import { startLocalStores, type LocalStores } from '../../support/local-stores.ts';

let stores: LocalStores;
const injected = { throttled: 0, conflicts: 0 };
let faultRate = 0;

beforeAll(async () => {
  stores = await startLocalStores();
  // Below the SDK's retry step: each attempt may meet a fault, as on a busy table.
  documentClient().middlewareStack.add(
    (next, context) => async (args) => {
      if (Math.random() < faultRate) {
        if (context.commandName === 'TransactWriteItemsCommand' && Math.random() < 0.5) {
          injected.conflicts++;
          throw Object.assign(new Error('Transaction cancelled'), {
            name: 'TransactionCanceledException',
            CancellationReasons: [{ Code: 'TransactionConflict' }, { Code: 'None' }],
            $metadata: { httpStatusCode: 400 },
          });
        }
        injected.throttled++;
        throw Object.assign(new Error('Rate exceeded'), {
          name: 'ProvisionedThroughputExceededException',
          $metadata: { httpStatusCode: 400 },
        });
      }
      return next(args);
    },
    { step: 'deserialize', name: 'injectFaults', priority: 'high' },
  );
}, 60_000);
afterAll(async () => stores?.stop());

describe('under throttling and transaction conflicts', () => {
  it('every golden record, consent event and audit event lands once, consistently', async () => {
    faultRate = 0.25;
    const steward = { role: 'steward' as const, principal: 'faults' };
    const customers = Array.from({ length: 10 }, (_, i) => `F${String(i).padStart(3, '0')}`);
    await Promise.all(
      customers.map((ecifId, i) =>
        upsertCustomer(
          stores.deps,
          ecifId,
          {
            name: { given: 'F', family: `Customer${i}` },
            emails: [`f${i}@example.com`],
            phones: [],
            nationalIds: [],
            addresses: [],
            crossReferences: [],
          },
          steward,
        ),
      ),
    );
    const events: ConsentEvent[] = customers.flatMap((ecifId) =>
      (['granted', 'withdrawn', 'granted'] as const).map((state, k) => ({
        ecifId,
        eventId: newId(),
        purpose: 'marketing',
        channel: 'email',
        state,
        lawfulBasis: 'consent',
        jurisdiction: 'GDPR',
        notice: { id: 'n', version: '1' },
        method: 'web',
        evidence: { actorRole: 'customer', actorId: ecifId },
        capturedAt: new Date(Date.parse('2026-05-01T00:00:00Z') + k * 1000).toISOString(),
        receiptId: `R${k}`,
      })),
    );
    await Promise.all(events.map((e) => stores.deps.consent.append([e])));
    await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        stores.deps.audit.append({
          stream: 'faults',
          actor: steward,
          action: 'test.appended',
          target: {},
          details: { i },
        }),
      ),
    );
    faultRate = 0;

    expect(injected.throttled).toBeGreaterThan(0);
    expect(injected.conflicts).toBeGreaterThan(0);
    for (const [i, ecifId] of customers.entries()) {
      expect((await stores.deps.ecif.getCustomer(ecifId))?.status).toBe('active');
      expect(await stores.deps.ecif.findByIdentity((await stores.deps.ecif.getCustomer(ecifId))!.identities[0])).toBe(
        ecifId,
      );
      const { states } = await stores.deps.consent.current(ecifId);
      expect(states, `customer ${i}`).toEqual([
        expect.objectContaining({ state: 'granted', eventId: events[i * 3 + 2].eventId }),
      ]);
    }
    const trail = await stores.deps.audit.stream('faults');
    expect(trail.map((e) => e.seq)).toEqual(Array.from({ length: 10 }, (_, i) => i + 1));
    expect(verifyChain(trail)).toBeUndefined();
  }, 120_000);
});
