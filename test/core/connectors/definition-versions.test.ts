/**
 * Definition versions: every shipped version is kept; a registration pins one (the latest when it names
 * none); a system keeps running on its pinned version after a newer one ships, until registered again.
 */
import { describe, expect, it } from 'vitest';
import { connectorFor } from '#adapters/connectors/registry.ts';
import type { RestConnector } from '#adapters/connectors/rest/rest-connector.ts';
import { registerSystem } from '#core/connectors/register-system.ts';
import { definitionOf, shippedDefinitions, shippedVersions } from '#core/connectors/rest/shipped.ts';
import { type ConnectedSystem, systemInputSchema } from '#core/connectors/system.ts';
import type { Actor } from '#core/shared/actor.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeSystemsRegistry } from '../../support/fakes.ts';

const operator: Actor = { role: 'operator', principal: 'op-1' };

const body = (connector: Record<string, unknown>) =>
  systemInputSchema.safeParse({
    name: 'HubSpot',
    connector: {
      kind: 'rest',
      definition: 'hubspot',
      baseUrl: 'https://api.hubapi.com',
      secretRef: 'hs',
      ...connector,
    },
    capabilities: ['erase'],
  });
const paths = (r: ReturnType<typeof body>) => (r.success ? [] : r.error.issues.map((i) => i.path.join('.')));

describe('definition versions', () => {
  it('keeps every shipped version; the latest of each id is the one a new registration gets', () => {
    expect(shippedVersions.filter((d) => d.id === 'hubspot').map((d) => d.version)).toEqual(['1', '2']);
    expect(shippedDefinitions.hubspot.version).toBe('2');
    expect(definitionOf('hubspot', '1')?.objects[0].search.map((s) => s.by)).toEqual(['email']);
    expect(definitionOf('hubspot')?.objects[0].search.map((s) => s.by)).toEqual(['email', 'phone']);
  });

  it('a version that was never shipped is refused at connector.definitionVersion; a search the pinned version lacks at findBy', () => {
    expect(paths(body({ definitionVersion: '9' }))).toEqual(['connector.definitionVersion']);
    expect(paths(body({ definitionVersion: '1', findBy: ['phone'] }))).toEqual(['connector.findBy']);
    expect(paths(body({ findBy: ['phone'] }))).toEqual([]);
  });

  it('a registration naming no version is pinned to the latest; one naming a version keeps it', async () => {
    const clock = fixedClock('2026-12-01T00:00:00.000Z');
    const deps = { systems: new FakeSystemsRegistry([]), audit: new FakeAuditLog(clock), clock };
    const latest = await registerSystem(deps, 'hs-new', body({}).data!, operator);
    expect(latest.system.connector).toMatchObject({ definition: 'hubspot', definitionVersion: '2' });
    const kept = await registerSystem(deps, 'hs-old', body({ definitionVersion: '1' }).data!, operator);
    expect(kept.system.connector).toMatchObject({ definitionVersion: '1' });
  });

  it('a system runs on its pinned version (one stored before pinning, on the first) whatever shipped since', () => {
    const system = (definitionVersion?: string) =>
      ({
        ...body(definitionVersion ? { definitionVersion } : {}).data!,
        systemId: 'hs',
        updatedAt: '2026-01-01T00:00:00.000Z',
      }) as ConnectedSystem;
    const versionOf = (s: ConnectedSystem) =>
      (connectorFor(s, { hashKey: 'k' }) as RestConnector).records.definition.version;
    expect(versionOf(system('1'))).toBe('1');
    expect(versionOf(system('2'))).toBe('2');
    expect(versionOf(system())).toBe('1');
  });
});
