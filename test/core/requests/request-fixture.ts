/** A request-handling world on fakes: stores, an ECIF with two customers, a recording outbox, a fixed clock. */
import { createIdentityHasher, identityKeysOf } from '#core/ecif/identifiers.ts';
import type { RequestInput } from '#core/requests/request.ts';
import type { RequestDeps } from '#core/requests/submit-request.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import {
  FakeAuditLog,
  FakeConsentLedger,
  FakeEcifRegistry,
  FakeOutbox,
  FakeRequestStore,
  FakeRequestWorkflow,
} from '../../support/fakes.ts';

export const hash = createIdentityHasher('unit-test-pepper-0123456789');
export const anonymous: Actor = { role: 'anonymous', principal: 'anonymous' };
export const operator: Actor = { role: 'operator', principal: 'op-7' };
export const customerOf = (ecifId: string): Actor => ({ role: 'customer', principal: ecifId });

export function requestWorld(at = '2025-01-31T15:00:00.000Z') {
  const clock = fixedClock(at);
  const requests = new FakeRequestStore();
  const workflow = new FakeRequestWorkflow();
  const audit = new FakeAuditLog(clock);
  const ecif = new FakeEcifRegistry();
  const consent = new FakeConsentLedger();
  const outbox = new FakeOutbox();
  const deps: RequestDeps = {
    requests,
    workflow,
    audit,
    ecif,
    consent,
    outbox,
    hash,
    clock,
    requestKey: 'unit-test-request-key',
    holidays: new Set(),
  };
  return { clock, requests, workflow, audit, ecif, consent, outbox, deps };
}

/** Puts a customer in the fake ECIF, indexed by its email (and phone). */
export async function addCustomer(
  world: ReturnType<typeof requestWorld>,
  ecifId: string,
  email: string | undefined,
  phone?: string,
) {
  const identities = identityKeysOf({ ...(email ? { email } : {}), ...(phone ? { phone } : {}) }, hash);
  await world.ecif.saveCustomer({
    record: {
      ecifId,
      name: { given: 'G', family: 'F' },
      addresses: [],
      emails: email ? [email] : [],
      phones: phone ? [phone] : [],
      nationalIds: [],
      status: 'active',
      identities,
      createdAt: '2024-01-01T00:00:00.000Z',
      updatedAt: '2024-01-01T00:00:00.000Z',
    },
    addIdentities: identities,
    removeIdentities: [],
    crossReferences: [],
    removeCrossReferences: [],
  });
}

export const requestOf = (over: Partial<RequestInput> = {}): RequestInput => ({
  type: 'erasure',
  jurisdiction: 'GDPR',
  identifiers: { email: 'alice@example.com' },
  channel: 'web',
  ...over,
});
