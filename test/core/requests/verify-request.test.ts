/**
 * Verification by code: the right code verifies and runs the request; wrong codes use tries, the fifth
 * ends the request as unverified; an expired code ends it too; answers are the same whether or not the
 * identifiers named anyone; parallel guesses cannot share a try.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { submitRequest } from '#core/requests/submit-request.ts';
import { verifyRequest } from '#core/requests/verify-request.ts';
import { ConflictError, NotFoundError, VerificationFailedError } from '#core/shared/errors.ts';
import { addCustomer, anonymous, customerOf, requestOf, requestWorld } from './request-fixture.ts';

let world: ReturnType<typeof requestWorld>;
beforeEach(async () => {
  world = requestWorld('2025-01-31T15:00:00.000Z');
  await addCustomer(world, 'C000001', 'alice@example.com');
});

const submitted = async (email = 'alice@example.com') =>
  (await submitRequest(world.deps, requestOf({ identifiers: { email } }), anonymous)).request;
const wrong = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

describe('verifyRequest', () => {
  it('the right code verifies, acknowledges and starts the request', async () => {
    const request = await submitted();
    const verified = await verifyRequest(world.deps, request.id, world.outbox.codeFor(request.id)!, anonymous);
    expect(verified).toMatchObject({
      status: 'received',
      verification: { state: 'verified', method: 'code', verifiedAt: '2025-01-31T15:00:00.000Z', attempts: 1 },
    });
    expect([...world.workflow.started]).toEqual([request.id]);
    expect(world.outbox.kinds(request.id)).toEqual(['verification_code', 'acknowledged']);
    expect(world.audit.actions(`request:${request.id}`)).toEqual(['request.received', 'request.verified']);
  });

  it('a wrong code uses one try and says how many are left; the fifth wrong try ends it as unverified', async () => {
    const request = await submitted();
    const bad = wrong(world.outbox.codeFor(request.id)!);
    for (let left = 4; left >= 1; left--) {
      const err = await verifyRequest(world.deps, request.id, bad, anonymous).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(VerificationFailedError);
      expect((err as VerificationFailedError).extensions).toEqual({ attemptsLeft: left });
    }
    await expect(verifyRequest(world.deps, request.id, bad, anonymous)).rejects.toThrow(/too many wrong codes/);
    expect(await world.requests.get(request.id)).toMatchObject({
      status: 'unverified',
      verification: { state: 'failed', failure: 'too_many_attempts' },
      outcome: { result: 'unverified' },
    });
    // Locked: even the right code is refused now.
    await expect(
      verifyRequest(world.deps, request.id, world.outbox.codeFor(request.id)!, anonymous),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(world.workflow.calls).toBe(0);
  });

  it('a code past its 15 minutes ends the request as unverified', async () => {
    const request = await submitted();
    world.clock.advance(15 * 60_000 + 1);
    await expect(verifyRequest(world.deps, request.id, world.outbox.codeFor(request.id)!, anonymous)).rejects.toThrow(
      /expired/,
    );
    expect(await world.requests.get(request.id)).toMatchObject({
      status: 'unverified',
      verification: { failure: 'code_expired' },
    });
  });

  it('identifiers that named no one: every code is wrong, with the same answers as for a real person', async () => {
    const real = await submitted();
    const nobody = await submitted('nobody@example.com');
    const guess = wrong(world.outbox.codeFor(real.id)!);
    const a = await verifyRequest(world.deps, real.id, guess, anonymous).catch((e: Error) => [
      e.name,
      e.message,
      (e as VerificationFailedError).extensions,
    ]);
    const b = await verifyRequest(world.deps, nobody.id, guess, anonymous).catch((e: Error) => [
      e.name,
      e.message,
      (e as VerificationFailedError).extensions,
    ]);
    expect(b).toEqual(a);
  });

  it('two guesses read the same count: only one is checked, the other is refused (409)', async () => {
    const request = await submitted();
    const bad = wrong(world.outbox.codeFor(request.id)!);
    const original = world.requests.get.bind(world.requests);
    // Both guesses read the request before either counts its try.
    const snapshot = await original(request.id);
    world.requests.get = async () => structuredClone(snapshot);
    const results = await Promise.allSettled([
      verifyRequest(world.deps, request.id, bad, anonymous),
      verifyRequest(world.deps, request.id, bad, anonymous),
    ]);
    world.requests.get = original;
    expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).name : 'ok')).sort()).toEqual([
      'ConflictError',
      'VerificationFailedError',
    ]);
    expect((await original(request.id))!.verification.attempts).toBe(1);
  });

  it('unknown request: 404; a request not waiting for a code: 409', async () => {
    await expect(verifyRequest(world.deps, '01JAAAAAAAAAAAAAAAAAAAAAAA', '123456', anonymous)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    const byLogin = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    await expect(verifyRequest(world.deps, byLogin.id, '123456', anonymous)).rejects.toThrow(/not waiting for a code/);
  });

  it('a verified duplicate of an open request is closed pointing at it', async () => {
    const open = (await submitRequest(world.deps, requestOf(), customerOf('C000001'))).request;
    const request = await submitted();
    const result = await verifyRequest(world.deps, request.id, world.outbox.codeFor(request.id)!, anonymous);
    expect(result).toMatchObject({ status: 'cancelled', duplicateOf: open.id, outcome: { result: 'duplicate' } });
    expect([...world.workflow.started]).toEqual([open.id]);
  });
});
