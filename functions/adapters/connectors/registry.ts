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
  /** Signs webhook calls (a per-system secret by reference comes with the connector issue). Absent where no task calls systems. */
  signingSecret?: string;
  /** Keys the `hash` field strategy. */
  hashKey: string;
}

type Factories = { [K in ConnectorSettings['kind']]: (settings: Extract<ConnectorSettings, { kind: K }>, secrets: ConnectorSecrets) => Connector };

const connectorKinds: Factories = {
  http: (settings, secrets) => {
    if (!secrets.signingSecret) throw new PermanentSystemError('no webhook signing secret is configured');
    return new HttpWebhookConnector(settings, secrets.signingSecret);
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
