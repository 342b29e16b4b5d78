/** The connector registry: one row per connector kind, how to build it from a system's settings. */
import type { Connector } from '#core/connectors/connector.ts';
import type { ConnectedSystem, ConnectorSettings } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { documentClient } from '../dynamodb/client.ts';
import { DynamoTableConnector } from './dynamodb-table.ts';
import { HttpWebhookConnector } from './http-webhook.ts';
import { definitionOf } from '#core/connectors/rest/shipped.ts';
import { RestConnector } from './rest/rest-connector.ts';
import { mysql, postgres } from './sql-dialects.ts';
import { SqlTableConnector } from './sql-table.ts';
import { environmentSecrets, type SystemSecrets } from './system-secrets.ts';

export interface ConnectorSecrets {
  /** Signs webhook calls of systems without a `secretRef` of their own. Absent where no task calls systems. */
  signingSecret?: string;
  /** Keys the `hash` field strategy. */
  hashKey: string;
  /** Where systems' own secrets (`secretRef`, `connectionRef`) are found. @default the environment alone */
  systemSecrets?: SystemSecrets;
}

type Factories = {
  [K in ConnectorSettings['kind']]: (
    settings: Extract<ConnectorSettings, { kind: K }>,
    secrets: ConnectorSecrets,
  ) => Connector;
};

/**
 * The key an HTTP system and Custodian sign with, both ways: its own secret when it names one
 * (`connector.secretRef`: the environment, else Secrets Manager), else the deployment's webhook
 * signing secret. Undefined when unset.
 */
export async function signingSecretOf(
  system: Pick<ConnectedSystem, 'connector'>,
  secrets: Pick<ConnectorSecrets, 'signingSecret' | 'systemSecrets'>,
): Promise<string | undefined> {
  if (system.connector.kind !== 'http') return undefined;
  const ref = system.connector.secretRef;
  return ref ? (secrets.systemSecrets ?? environmentSecrets).value('http', ref) : secrets.signingSecret;
}

/**
 * The keys a system's callback may be signed with: for one with its own secret, the current key and,
 * across a rotation, the one it replaced (`fresh`: read past the cache, for a key rotated in since);
 * else the deployment's signing secret. None for a system that is not `http`.
 */
export async function callbackKeysOf(
  system: Pick<ConnectedSystem, 'connector'>,
  secrets: Pick<ConnectorSecrets, 'signingSecret' | 'systemSecrets'>,
  opts: { fresh?: boolean } = {},
): Promise<string[]> {
  if (system.connector.kind !== 'http') return [];
  const ref = system.connector.secretRef;
  if (ref) return (secrets.systemSecrets ?? environmentSecrets).keys('http', ref, opts);
  return secrets.signingSecret ? [secrets.signingSecret] : [];
}

const connectorKinds: Factories = {
  // The key is found on each call (cached by the source): the factory stays synchronous, a rotation is taken up.
  http: (settings, secrets) =>
    new HttpWebhookConnector(settings, async () => {
      const secret = await signingSecretOf({ connector: settings }, secrets);
      if (secret) return secret;
      throw new PermanentSystemError(
        settings.secretRef
          ? `no signing secret is configured for this system (${(secrets.systemSecrets ?? environmentSecrets).where('http', settings.secretRef)})`
          : 'no webhook signing secret is configured',
      );
    }),
  dynamodb: (settings, secrets) => new DynamoTableConnector(documentClient(), settings, secrets.hashKey),
  postgres: (settings, secrets) => new SqlTableConnector(settings, postgres, secrets.hashKey, secrets.systemSecrets),
  mysql: (settings, secrets) => new SqlTableConnector(settings, mysql, secrets.hashKey, secrets.systemSecrets),
  // The credentials are found on each call (cached by the source), never held in the registry.
  rest: (settings, secrets) => {
    const definition = definitionOf(settings.definition);
    if (!definition) throw new PermanentSystemError('no shipped definition has this id');
    const source = secrets.systemSecrets ?? environmentSecrets;
    return new RestConnector(definition, settings, secrets.hashKey, async () => {
      const value = await source.value('rest', settings.secretRef);
      if (value) return value;
      throw new PermanentSystemError(
        `no credentials are configured for this system (${source.where('rest', settings.secretRef)})`,
      );
    });
  },
  manual: () => ({
    execute: async () => {
      throw new PermanentSystemError('this system is handled by an operator task');
    },
  }),
};

export function connectorFor(system: ConnectedSystem, secrets: ConnectorSecrets): Connector {
  const build = connectorKinds[system.connector.kind] as (s: ConnectorSettings, x: ConnectorSecrets) => Connector;
  return build(system.connector, secrets);
}
