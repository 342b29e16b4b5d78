/**
 * What issuing systems their signing keys takes (PUT /v1/systems, POST .../signing-key): creating and
 * putting new versions of secrets under `<prefix>http/systems/`, nothing else of Secrets Manager.
 */
import { ArnFormat, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { acknowledgeWildcardResources } from './nag.ts';

export function grantSystemKeyIssuing(role: iam.Role, stack: Stack, prefix: string): void {
  // The `*` covers the system id and the six characters Secrets Manager appends to every secret's ARN.
  const issued = stack.formatArn({
    service: 'secretsmanager',
    resource: 'secret',
    resourceName: `${prefix}http/systems/*`,
    arnFormat: ArnFormat.COLON_RESOURCE_NAME,
  });
  role.addToPolicy(
    new iam.PolicyStatement({
      sid: 'IssueSystemKeys',
      actions: ['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'],
      resources: [issued],
    }),
  );
  acknowledgeWildcardResources(
    role,
    [issued],
    `Each HTTP system is issued its own signing key at registration, under ${prefix}http/systems/<systemId>.`,
  );
}
