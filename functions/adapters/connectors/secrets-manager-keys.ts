/**
 * The keys issued to systems, kept in AWS Secrets Manager as `<prefix>http/<ref>` (the name the
 * connector's lookup reads: system-secrets.ts). A new key on an existing secret is a new version:
 * Secrets Manager moves the one it replaces to AWSPREVIOUS, which callbacks are still accepted with
 * until the next rotation.
 */
import type {
  CreateSecretCommand,
  CreateSecretCommandOutput,
  PutSecretValueCommand,
  PutSecretValueCommandOutput,
} from '@aws-sdk/client-secrets-manager';
import type { SystemKeyVault } from '#core/connectors/ports.ts';

/** What is needed of the SDK client (tests give one pointed at moto's server). */
export interface SecretsManagerWriter {
  send(command: CreateSecretCommand): Promise<CreateSecretCommandOutput>;
  send(command: PutSecretValueCommand): Promise<PutSecretValueCommandOutput>;
}

export class SecretsManagerKeyVault implements SystemKeyVault {
  constructor(
    private readonly client: SecretsManagerWriter,
    /** The deployment's connectors prefix (CONNECTOR_SECRETS_PREFIX, e.g. `custodian/connectors/`). */
    private readonly prefix: string,
  ) {}

  put(ref: string, key: string): Promise<void> {
    return this.write(ref, key);
  }

  rotate(ref: string, key: string): Promise<void> {
    return this.write(ref, key);
  }

  private async write(ref: string, key: string): Promise<void> {
    const { CreateSecretCommand, PutSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
    const name = `${this.prefix}http/${ref}`;
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: key,
          Description: 'Custodian: the webhook signing key issued to a connected system',
        }),
      );
    } catch (err) {
      if ((err as Error)?.name !== 'ResourceExistsException') throw err;
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: key }));
    }
  }
}
