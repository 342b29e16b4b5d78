/** Registers or replaces a connected system in the systems registry (PUT /v1/systems/{systemId}). */
import type { AuditLog } from '../audit/ports.ts';
import type { SystemsRegistry } from '../ecif/ports.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import type { SystemKeyVault } from './ports.ts';
import { rotateIssuedKey, settleSigningKey } from './signing-keys.ts';
import { definitionOf } from './rest/shipped.ts';
import { checkTargets, type TargetRules } from './system-targets.ts';
import type { ConnectedSystem, SystemInput } from './system.ts';
import { NotFoundError } from '#core/shared/errors.ts';

export interface RegisterSystemDeps extends TargetRules {
  systems: SystemsRegistry;
  audit: AuditLog;
  clock: Clock;
  /** Where the keys issued to HTTP systems are kept; absent: only `secretRef` or the shared key. */
  keyVault?: SystemKeyVault;
}

/** `signingSecret`: the key issued to the system now, to be shown once (it is never stored in the registry). */
export async function registerSystem(deps: RegisterSystemDeps, systemId: string, body: SystemInput, actor: Actor) {
  // Where it points first: nothing is stored or issued for a system that may not be called.
  await checkTargets(deps, body);
  const existing = await deps.systems.get(systemId);
  // The key first: a registration whose key could not be kept is not stored.
  const settled = await settleSigningKey(deps.keyVault, systemId, pinDefinition(body), existing);
  const { input, issued, signingKey } = settled;
  const system: ConnectedSystem = { ...input, systemId, updatedAt: deps.clock.now().toISOString() };
  await deps.systems.put(system);
  await deps.audit.append({
    stream: `system:${systemId}`,
    actor,
    action: existing ? 'system.updated' : 'system.registered',
    target: { systemId },
    details: {
      connector: input.connector.kind,
      capabilities: input.capabilities,
      strategies: input.fields.map((f) => ({ field: f.name, strategy: f.strategy })),
      ...(signingKey !== 'none' ? { signingKey } : {}),
    },
  });
  return { system, created: !existing, ...(issued ? { signingSecret: issued } : {}) };
}

/** POST /v1/systems/{systemId}/signing-key: a new issued key, shown once; the previous one stays valid until the next rotation. */
export async function rotateSystemKey(deps: RegisterSystemDeps, systemId: string, actor: Actor) {
  const system = await deps.systems.get(systemId);
  if (!system) throw new NotFoundError('no such system');
  const signingSecret = await rotateIssuedKey(deps.keyVault, system);
  await deps.audit.append({
    stream: `system:${systemId}`,
    actor,
    action: 'system.key_rotated',
    target: { systemId },
    details: { signingKey: 'issued' },
  });
  return { systemId, signingSecret };
}

/** A shipped rest definition named without a version is pinned to the latest now: a newer one changes nothing until registered again. */
function pinDefinition(body: SystemInput): SystemInput {
  const c = body.connector;
  if (c.kind !== 'rest' || typeof c.definition !== 'string' || c.definitionVersion) return body;
  return { ...body, connector: { ...c, definitionVersion: definitionOf(c.definition)?.version } };
}
