/**
 * Which key an HTTP system signs with, settled at registration: a key of its own issued by default
 * (shown once, kept by reference, never in the registry or the audit trail), kept when it registers
 * again, rotated on demand; the deployment-wide key only on opt-in; another system's issued key never.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { SystemKeyVault } from '#core/connectors/ports.ts';
import { registerSystem, rotateSystemKey } from '#core/connectors/register-system.ts';
import { systemInputSchema } from '#core/connectors/system.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { ConflictError, InvalidInputError } from '#core/shared/errors.ts';
import { FakeAuditLog, FakeSystemsRegistry } from '../../support/fakes.ts';

/** Keeps what it is given, as the local key files and Secrets Manager do (current and previous). */
class MemoryVault implements SystemKeyVault {
  readonly keys = new Map<string, { current: string; previous?: string }>();
  async put(ref: string, key: string) {
    this.keys.set(ref, { current: key });
  }
  async rotate(ref: string, key: string) {
    this.keys.set(ref, { current: key, previous: this.keys.get(ref)?.current });
  }
}

const operator: Actor = { role: 'operator', principal: 'op-1' };
const http = (connector: Record<string, unknown> = {}) =>
  systemInputSchema.parse({
    name: 'Vendor',
    connector: { kind: 'http', url: 'https://vendor.example.com/hook', ...connector },
    capabilities: ['erase'],
  });

let vault: MemoryVault;
let audit: FakeAuditLog;
let deps: Parameters<typeof registerSystem>[0];

beforeEach(() => {
  const clock = fixedClock('2026-12-01T00:00:00.000Z');
  vault = new MemoryVault();
  audit = new FakeAuditLog(clock);
  deps = { systems: new FakeSystemsRegistry([]), audit, clock, keyVault: vault };
});

describe('an HTTP system registered without a key named', () => {
  it('is issued one of its own: shown once, kept by reference, in neither the registry nor the audit trail', async () => {
    const first = await registerSystem(deps, 'vendor', http(), operator);
    expect(first.signingSecret).toMatch(/^[0-9a-f]{64}$/);
    expect(first.system.connector).toMatchObject({ secretRef: 'systems/vendor' });
    expect(vault.keys.get('systems/vendor')).toEqual({ current: first.signingSecret });
    const stored = JSON.stringify([await deps.systems.list(), await audit.stream('system:vendor')]);
    expect(stored).not.toContain(first.signingSecret);
    expect((await audit.stream('system:vendor'))[0]!.details).toMatchObject({ signingKey: 'issued' });

    // Registered again (with or without the reference it was given): the same key, not shown again.
    for (const body of [http(), http({ secretRef: 'systems/vendor' })]) {
      const again = await registerSystem(deps, 'vendor', body, operator);
      expect(again).not.toHaveProperty('signingSecret');
      expect(again.system.connector).toMatchObject({ secretRef: 'systems/vendor' });
    }
    expect(vault.keys.get('systems/vendor')).toEqual({ current: first.signingSecret });
  });

  it('two systems get two keys', async () => {
    const a = await registerSystem(deps, 'a', http(), operator);
    const b = await registerSystem(deps, 'b', http(), operator);
    expect(a.signingSecret).not.toBe(b.signingSecret);
  });

  it('with nowhere to keep a key, the registration is refused and nothing is stored', async () => {
    const { keyVault: _, ...noVault } = deps;
    await expect(registerSystem(noVault, 'vendor', http(), operator)).rejects.toBeInstanceOf(ConflictError);
    expect(await deps.systems.list()).toEqual([]);
  });
});

describe('the other ways', () => {
  it('the shared key only when asked for; a reference of the operator’s own as it is', async () => {
    const shared = await registerSystem(deps, 'fleet', http({ sharedSecret: true }), operator);
    expect(shared).not.toHaveProperty('signingSecret');
    expect(shared.system.connector).not.toHaveProperty('secretRef');
    const own = await registerSystem(deps, 'vendor-x', http({ secretRef: 'vendor_x' }), operator);
    expect(own.system.connector).toMatchObject({ secretRef: 'vendor_x' });
    expect(vault.keys.size).toBe(0);
    expect((await audit.stream('system:fleet'))[0]!.details).toMatchObject({ signingKey: 'shared' });
  });

  it.each([
    {
      rule: 'both a reference and the shared key',
      connector: { secretRef: 'x', sharedSecret: true },
      field: 'connector.sharedSecret',
    },
    { rule: "another system's issued key", connector: { secretRef: 'systems/crm' }, field: 'connector.secretRef' },
  ])('$rule: refused (422 naming the field), nothing stored', async ({ connector, field }) => {
    const refused = await registerSystem(deps, 'vendor', http(connector), operator).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(InvalidInputError);
    expect(refused).toMatchObject({ extensions: { field } });
    expect(await deps.systems.list()).toEqual([]);
  });
});

describe('rotation', () => {
  it('a new key, shown once; the one it replaced still valid until the next rotation', async () => {
    const { signingSecret: first } = await registerSystem(deps, 'vendor', http(), operator);
    const { signingSecret: second } = await rotateSystemKey(deps, 'vendor', operator);
    expect(second).not.toBe(first);
    expect(vault.keys.get('systems/vendor')).toEqual({ current: second, previous: first });
    expect((await audit.stream('system:vendor')).map((e) => e.action)).toEqual([
      'system.registered',
      'system.key_rotated',
    ]);
    expect(JSON.stringify(await audit.stream('system:vendor'))).not.toContain(second);
  });

  it('only for a key Custodian issued: a shared or referenced key is rotated where it is kept', async () => {
    await registerSystem(deps, 'fleet', http({ sharedSecret: true }), operator);
    await registerSystem(deps, 'vendor-x', http({ secretRef: 'vendor_x' }), operator);
    for (const id of ['fleet', 'vendor-x'])
      await expect(rotateSystemKey(deps, id, operator)).rejects.toBeInstanceOf(ConflictError);
    expect(vault.keys.size).toBe(0);
  });
});
