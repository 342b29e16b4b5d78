/** Reads a secret's value once per cold start (AWS); locally the value comes from the environment. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { ConfigurationError } from '#core/shared/errors.ts';

/**
 * A secret missing, refused or without a string value is the deployment's configuration, named by
 * its ARN and the SDK's error name, never a value: the function cannot start without it.
 */
export async function secretValue(arn: string, client = new SecretsManagerClient({})): Promise<string> {
  let value: string | undefined;
  try {
    value = (await client.send(new GetSecretValueCommand({ SecretId: arn }))).SecretString;
  } catch (err) {
    throw new ConfigurationError(`secret ${arn} could not be read (${(err as Error).name})`);
  }
  if (!value) throw new ConfigurationError(`secret ${arn} has no string value`);
  return value;
}
