/** Registers or replaces a connected system in the systems registry (PUT /v1/systems/{systemId}). */
import type { AuditLog } from '../audit/ports.ts';
import type { SystemsRegistry } from '../ecif/ports.ts';
import type { Actor } from '../shared/actor.ts';
import type { Clock } from '../shared/clock.ts';
import type { ConnectedSystem, SystemInput } from './system.ts';

export interface RegisterSystemDeps {
  systems: SystemsRegistry;
  audit: AuditLog;
  clock: Clock;
}

export async function registerSystem(deps: RegisterSystemDeps, systemId: string, input: SystemInput, actor: Actor) {
  const existing = await deps.systems.get(systemId);
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
    },
  });
  return { system, created: !existing };
}
