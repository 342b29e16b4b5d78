/**
 * An opt-out given through consent (11 CCR §7025-7026) becomes an unverified-by-design opt-out request
 * that the workflow pushes to the systems; a second opt-out while the first is still open adds nothing.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { isOptOutChoice } from '#core/consent/changes.ts';
import { propagateOptOut } from '#core/requests/propagate-opt-out.ts';
import { customerOf, requestWorld } from './request-fixture.ts';

let world: ReturnType<typeof requestWorld>;
beforeEach(() => {
  world = requestWorld('2025-01-31T15:00:00.000Z');
});

describe('propagating an opt-out', () => {
  it('records a CCPA opt_out_sale_sharing request, needing no verification, with its deadlines, and starts it', async () => {
    const request = await propagateOptOut(world.deps, 'C000001', customerOf('C000001'), 'gpc');
    expect(request).toMatchObject({
      type: 'opt_out_sale_sharing',
      jurisdiction: 'CCPA',
      channel: 'web',
      status: 'received',
      ecifId: 'C000001',
      verification: { state: 'verified', method: 'not_required' },
      dueAt: '2025-03-17T15:00:00.000Z',
    });
    expect(world.workflow.started.has(request.id)).toBe(true);
    expect((await world.audit.stream(`request:${request.id}`))[0]).toMatchObject({
      action: 'request.received',
      details: { source: 'gpc' },
    });
  });

  it('a second opt-out while the first is open answers with the first', async () => {
    const first = await propagateOptOut(world.deps, 'C000001', customerOf('C000001'), 'consent');
    const second = await propagateOptOut(world.deps, 'C000001', customerOf('C000001'), 'consent');
    expect(second.id).toBe(first.id);
    expect(world.workflow.calls).toBe(1);
  });

  it('once the first has closed, a new opt-out is a new request', async () => {
    const first = await propagateOptOut(world.deps, 'C000001', customerOf('C000001'), 'consent');
    await world.requests.seed(first.id, { status: 'completed' });
    const second = await propagateOptOut(world.deps, 'C000001', customerOf('C000001'), 'consent');
    expect(second.id).not.toBe(first.id);
  });
});

describe('which choices are opt-outs (§7026)', () => {
  it.each([
    { purpose: 'sale', state: 'withdrawn', optOut: true },
    { purpose: 'sale', state: 'denied', optOut: true },
    { purpose: 'third_party_sharing', state: 'withdrawn', optOut: true },
    { purpose: 'sale', state: 'granted', optOut: false },
    { purpose: 'marketing', state: 'withdrawn', optOut: false },
  ] as const)('$purpose $state: $optOut', ({ purpose, state, optOut }) => {
    expect(isOptOutChoice({ purpose, state })).toBe(optOut);
  });
});
