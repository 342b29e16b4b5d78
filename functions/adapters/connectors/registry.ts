/** The connector registry: one row per connector kind, how to build it from a system's settings. */
import type { Connector } from '#core/connectors/connector.ts';
import type { ConnectedSystem, ConnectorSettings } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { documentClient } from '../dynamodb/client.ts';
import { DynamoTableConnector } from './dynamodb-table.ts';
import { HttpWebhookConnector } from './http-webhook.ts';
import { definitionOf, UNPINNED_VERSION } from '#core/connectors/rest/shipped.ts';
import { RestConnector } from './rest/rest-connector.ts';
import { mysql, postgres } from './sql-dialects.ts';
import { SqlTableConnector } from './sql-table.ts';
import { environmentSecrets, type SystemSecrets } from './system-secrets.ts';
import type { WebhookAddressGuard } from './webhook-addresses.ts';

export interface ConnectorSecrets {
  /** Signs webhook calls of systems without a `secretRef` of their own. Absent where no task calls systems. */
  signingSecret?: string;
  /** Keys the `hash` field strategy. */
  hashKey: string;
  /** Where systems' own secrets (`secretRef`, `connectionRef`) are found. @default the environment alone */
  systemSecrets?: SystemSecrets;
  /** Where a webhook may lead, checked at each call (a deployment's rules); absent: anywhere. */
  addresses?: WebhookAddressGuard;
  /** Custodian's own tables, which no `dynamodb` system may name. */
  ownTables?: readonly string[];
}

type Factories = {
  [K in ConnectorSettings['kind']]: (
    settings: Extract<ConnectorSettings, { kind: K }>,
    secrets: ConnectorSecrets,
  ) => Connector;
};

/**
 * The key an HTTP system and Custodian sign with, both ways: its own (`connector.secretRef`, issued at
 * registration or the operator's: the environment, the local key files, else Secrets Manager), or the
 * deployment's webhook signing secret for a system that opted in (`sharedSecret`). Undefined when unset,
 * and for a registration that says neither (made before keys were issued: registering it again issues one).
 */
export async function signingSecretOf(
  system: Pick<ConnectedSystem, 'connector'>,
  secrets: Pick<ConnectorSecrets, 'signingSecret' | 'systemSecrets'>,
): Promise<string | undefined> {
  if (system.connector.kind !== 'http') return undefined;
  const { secretRef, sharedSecret } = system.connector;
  if (secretRef) return (secrets.systemSecrets ?? environmentSecrets).value('http', secretRef);
  return sharedSecret ? secrets.signingSecret : undefined;
}

/**
 * The keys a system's callback may be signed with: for one with its own key, the current key and,
 * across a rotation, the one it replaced (`fresh`: read past the cache, for a key rotated in since);
 * the deployment's signing secret only for a system that opted in. None for a system that is not `http`.
 */
export async function callbackKeysOf(
  system: Pick<ConnectedSystem, 'connector'>,
  secrets: Pick<ConnectorSecrets, 'signingSecret' | 'systemSecrets'>,
  opts: { fresh?: boolean } = {},
): Promise<string[]> {
  if (system.connector.kind !== 'http') return [];
  const { secretRef, sharedSecret } = system.connector;
  if (secretRef) return (secrets.systemSecrets ?? environmentSecrets).keys('http', secretRef, opts);
  return sharedSecret && secrets.signingSecret ? [secrets.signingSecret] : [];
}

const connectorKinds: Factories = {
  // The key is found on each call (cached by the source): the factory stays synchronous, a rotation is taken up.
  http: (settings, secrets) =>
    new HttpWebhookConnector(
      settings,
      async () => {
        const secret = await signingSecretOf({ connector: settings }, secrets);
        if (secret) return secret;
        throw new PermanentSystemError(
          settings.secretRef
            ? `no signing secret is configured for this system (${(secrets.systemSecrets ?? environmentSecrets).where('http', settings.secretRef)})`
            : settings.sharedSecret
              ? 'no webhook signing secret is configured'
              : 'the system has no key of its own: register it again to be issued one',
        );
      },
      secrets.addresses,
    ),
  dynamodb: (settings, secrets) =>
    secrets.ownTables?.includes(settings.table)
      ? refused('a connected table may not be one of Custodian’s own')
      : new DynamoTableConnector(documentClient(), settings, secrets.hashKey),
  postgres: (settings, secrets) => new SqlTableConnector(settings, postgres, secrets.hashKey, secrets.systemSecrets),
  mysql: (settings, secrets) => new SqlTableConnector(settings, mysql, secrets.hashKey, secrets.systemSecrets),
  // The credentials are found on each call (cached by the source), never held in the registry.
  rest: (settings, secrets) => {
    // The version the system was registered with, whatever has shipped since.
    const definition = definitionOf(settings.definition, settings.definitionVersion ?? UNPINNED_VERSION);
    if (!definition) throw new PermanentSystemError('no shipped definition has this id and version');
    const source = secrets.systemSecrets ?? environmentSecrets;
    return new RestConnector(
      definition,
      settings,
      secrets.hashKey,
      async () => {
        const value = await source.value('rest', settings.secretRef);
        if (value) return value;
        throw new PermanentSystemError(
          `no credentials are configured for this system (${source.where('rest', settings.secretRef)})`,
        );
      },
      secrets.addresses,
    );
  },
  manual: () => refused('this system is handled by an operator task'),
};

/** A connector that does nothing but fail permanently, for a system that must not be called. */
function refused(reason: string): Connector {
  return {
    execute: async () => {
      throw new PermanentSystemError(reason);
    },
  };
}

export function connectorFor(system: ConnectedSystem, secrets: ConnectorSecrets): Connector {
  const build = connectorKinds[system.connector.kind] as (s: ConnectorSettings, x: ConnectorSecrets) => Connector;
  return build(system.connector, secrets);
}
