/** The connector registry: one row per connector kind, how to build it from a system's settings. */
import type { Connector } from '#core/connectors/connector.ts';
import type { ConnectedSystem, ConnectorSettings } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { documentClient } from '../dynamodb/client.ts';
import { DynamoTableConnector } from './dynamodb-table.ts';
import { HttpWebhookConnector } from './http-webhook.ts';
import { mysql, postgres } from './sql-dialects.ts';
import { SqlTableConnector } from './sql-table.ts';

export interface ConnectorSecrets {
  /** Signs webhook calls of systems without a `secretRef` of their own. Absent where no task calls systems. */
  signingSecret?: string;
  /** Keys the `hash` field strategy. */
  hashKey: string;
}

type Factories = { [K in ConnectorSettings['kind']]: (settings: Extract<ConnectorSettings, { kind: K }>, secrets: ConnectorSecrets) => Connector };

/** The variable a secret reference is read from: `CONNECTOR_SECRET_<REF>` (a secret's value in AWS). */
export const secretVariable = (ref: string) => `CONNECTOR_SECRET_${ref.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;

/**
 * The key an HTTP system and Custodian sign with, both ways: its own secret when it names one
 * (`connector.secretRef`), else the deployment's webhook signing secret. Undefined when unset.
 */
export function signingSecretOf(system: Pick<ConnectedSystem, 'connector'>, secrets: Pick<ConnectorSecrets, 'signingSecret'>): string | undefined {
  if (system.connector.kind !== 'http') return undefined;
  const ref = system.connector.secretRef;
  return ref ? process.env[secretVariable(ref)] || undefined : secrets.signingSecret;
}

const connectorKinds: Factories = {
  http: (settings, secrets) => {
    const secret = signingSecretOf({ connector: settings }, secrets);
    if (!secret) {
      throw new PermanentSystemError(settings.secretRef ? `no signing secret is configured for this system (${secretVariable(settings.secretRef)} is not set)` : 'no webhook signing secret is configured');
    }
    return new HttpWebhookConnector(settings, secret);
  },
  dynamodb: (settings, secrets) => new DynamoTableConnector(documentClient(), settings, secrets.hashKey),
  postgres: (settings, secrets) => new SqlTableConnector(settings, postgres, secrets.hashKey),
  mysql: (settings, secrets) => new SqlTableConnector(settings, mysql, secrets.hashKey),
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
