/** Reads a secret's value once per cold start (AWS); locally the value comes from the environment. */
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';

export async function secretValue(arn: string): Promise<string> {
  const res = await new SecretsManagerClient({}).send(new GetSecretValueCommand({ SecretId: arn }));
  if (!res.SecretString) throw new Error('secret has no string value');
  return res.SecretString;
}
