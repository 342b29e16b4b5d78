/**
 * The synthesized stateful stack in moto: what moto's CloudFormation can create is created by
 * `create-stack` with the template itself (the KMS key, the tables, the trigger's function, role and
 * log group); the rest through the SDK from the template's own properties, intrinsics resolved
 * (never a second hand-written definition). docs/deploy.md lists which and why:
 *  - Cognito (pool, groups, resource server, clients, domain) and Secrets Manager secrets: moto's
 *    CloudFormation has no such resource types;
 *  - S3 buckets: moto's CloudFormation keeps only a bucket's encryption and tags (no versioning, no
 *    Object Lock, no public access block);
 *  - not at all: the buckets' policies (TLS only: moto evaluates them, and listens on plain HTTP);
 *  - the trigger's invoke permission: it names the pool, which the stack cannot see; moto never
 *    calls a pool's triggers (the trigger is tested with the documented event instead).
 */
import { CloudFormationClient, CreateStackCommand, ListStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import * as idp from '@aws-sdk/client-cognito-identity-provider';
import * as s3 from '@aws-sdk/client-s3';
import { CreateSecretCommand, GetRandomPasswordCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import type { CfnTemplate } from '#infra/synth.ts';
import type { Moto } from './moto.ts';

export const MOTO_ACCOUNT = '123456789012';
const REGION = 'us-east-1';

/** Types moto's CloudFormation creates as the template says them. */
const viaCloudFormation = new Set([
  'AWS::KMS::Key',
  'AWS::DynamoDB::Table',
  'AWS::Logs::LogGroup',
  'AWS::IAM::Role',
  'AWS::IAM::Policy',
  'AWS::Lambda::Function',
]);

type Resource = { Type: string; Properties?: Record<string, any>; DependsOn?: string | string[] };

export interface MotoStack {
  /** logical id -> physical id (name, id or ARN as CloudFormation's Ref gives it) */
  physical: Record<string, string>;
  arn(logicalId: string): string;
  /** The logical ids of each type, in template order. */
  ofType(type: string): string[];
  createdBy: { cloudFormation: string[]; sdk: string[]; not: string[] };
}

/** The logical ids a value references (Ref and Fn::GetAtt). */
function references(value: unknown, out = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === 'Ref' && typeof v === 'string' && !v.startsWith('AWS::')) out.add(v);
      else if (k === 'Fn::GetAtt') out.add((v as string[])[0]!);
      else references(v, out);
    }
  }
  return out;
}

export async function deployStatefulToMoto(moto: Moto, template: CfnTemplate, stackName = 'custodian-stateful') {
  const resources = template.Resources as Record<string, Resource>;
  const cfg = moto.clientConfig;
  // What `cdk bootstrap` leaves in an account, and the assets `cdk deploy` publishes before the stack.
  await new SSMClient(cfg).send(
    new PutParameterCommand({ Name: '/cdk-bootstrap/hnb659fds/version', Value: '30', Type: 'String' }),
  );
  const s3c = new s3.S3Client(cfg);
  const assets = `cdk-hnb659fds-assets-${MOTO_ACCOUNT}-${REGION}`;
  await s3c.send(new s3.CreateBucketCommand({ Bucket: assets }));
  for (const r of Object.values(resources).filter((r) => r.Type === 'AWS::Lambda::Function')) {
    // The handler is never run by moto: an empty archive stands for the bundle.
    const emptyZip = Buffer.from([0x50, 0x4b, 0x05, 0x06, ...new Array(18).fill(0)]);
    await s3c.send(new s3.PutObjectCommand({ Bucket: assets, Key: r.Properties!.Code.S3Key, Body: emptyZip }));
  }

  // The stack: the resources of moto's types that reference nothing outside them.
  const inStack = new Set(Object.keys(resources).filter((id) => viaCloudFormation.has(resources[id]!.Type)));
  for (let changed = true; changed; ) {
    changed = false;
    for (const id of inStack) {
      const deps = [...references(resources[id]!.Properties), ...[resources[id]!.DependsOn ?? []].flat()];
      if (deps.some((d) => !inStack.has(d))) changed = inStack.delete(id);
    }
  }
  const cfn = new CloudFormationClient(cfg);
  const stackTemplate = {
    Parameters: (template as Record<string, unknown>).Parameters,
    Resources: Object.fromEntries([...inStack].map((id) => [id, resources[id]])),
  };
  await cfn.send(
    new CreateStackCommand({
      StackName: stackName,
      TemplateBody: JSON.stringify(stackTemplate),
      Capabilities: ['CAPABILITY_IAM', 'CAPABILITY_NAMED_IAM'],
    }),
  );
  const physical: Record<string, string> = {};
  const listed = await cfn.send(new ListStackResourcesCommand({ StackName: stackName }));
  for (const r of listed.StackResourceSummaries ?? []) physical[r.LogicalResourceId!] = r.PhysicalResourceId!;

  const arns: Record<string, string> = {};
  const arn = (id: string): string => {
    if (arns[id]) return arns[id]!;
    const p = physical[id];
    if (p === undefined) throw new Error(`${id} was not created`);
    if (p.startsWith('arn:')) return p;
    const type = resources[id]!.Type;
    const byType: Record<string, string> = {
      'AWS::KMS::Key': `arn:aws:kms:${REGION}:${MOTO_ACCOUNT}:key/${p}`,
      'AWS::DynamoDB::Table': `arn:aws:dynamodb:${REGION}:${MOTO_ACCOUNT}:table/${p}`,
      'AWS::Lambda::Function': `arn:aws:lambda:${REGION}:${MOTO_ACCOUNT}:function:${p}`,
      'AWS::IAM::Role': `arn:aws:iam::${MOTO_ACCOUNT}:role/${p}`,
      'AWS::S3::Bucket': `arn:aws:s3:::${p}`,
    };
    if (!byType[type]) throw new Error(`no ARN for ${type}`);
    return byType[type]!;
  };
  const pseudo: Record<string, string> = {
    'AWS::AccountId': MOTO_ACCOUNT,
    'AWS::Region': REGION,
    'AWS::Partition': 'aws',
    'AWS::URLSuffix': 'amazonaws.com',
    'AWS::StackName': stackName,
  };
  /** Ref, Fn::GetAtt (Arn), Fn::Join and Fn::Sub, as CloudFormation resolves them. */
  const resolve = (v: any): any => {
    if (Array.isArray(v)) return v.map(resolve);
    if (!v || typeof v !== 'object') return v;
    if ('Ref' in v) return pseudo[v.Ref] ?? physical[v.Ref] ?? arn(v.Ref);
    if ('Fn::GetAtt' in v) return arn(v['Fn::GetAtt'][0]);
    if ('Fn::Join' in v) return (resolve(v['Fn::Join'][1]) as string[]).join(v['Fn::Join'][0]);
    if ('Fn::Sub' in v)
      return (v['Fn::Sub'] as string).replace(/\$\{([^}]+)\}/g, (_, n: string) => pseudo[n] ?? physical[n]!);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, resolve(x)]));
  };

  const sdk: string[] = [];
  const not: string[] = [];
  const sm = new SecretsManagerClient(cfg);
  const cognito = new idp.CognitoIdentityProviderClient(cfg);
  const bucketName = (id: string) => `${stackName}-${id}`.toLowerCase().slice(0, 63);
  // In dependency order: a resource once every one it references exists.
  const pending = Object.keys(resources).filter((id) => !inStack.has(id));
  const ready = (id: string) => [...references(resources[id]!.Properties)].every((d) => d in physical);
  while (pending.length) {
    const at = pending.findIndex(ready);
    const id = pending.splice(at === -1 ? 0 : at, 1)[0]!;
    const r = resources[id]!;
    if (at === -1) {
      not.push(id);
      continue;
    }
    const p = resolve(r.Properties ?? {});
    switch (r.Type) {
      case 'AWS::SecretsManager::Secret': {
        const g = p.GenerateSecretString ?? {};
        const { RandomPassword } = await sm.send(
          new GetRandomPasswordCommand({ PasswordLength: g.PasswordLength, ExcludePunctuation: g.ExcludePunctuation }),
        );
        const out = await sm.send(
          new CreateSecretCommand({
            Name: `${stackName}/${id}`,
            Description: p.Description,
            KmsKeyId: p.KmsKeyId,
            SecretString: RandomPassword,
          }),
        );
        physical[id] = out.ARN!;
        break;
      }
      case 'AWS::S3::Bucket': {
        const Bucket = bucketName(id);
        physical[id] = Bucket;
        await s3c.send(new s3.CreateBucketCommand({ Bucket, ObjectLockEnabledForBucket: p.ObjectLockEnabled }));
        if (p.VersioningConfiguration)
          await s3c.send(
            new s3.PutBucketVersioningCommand({ Bucket, VersioningConfiguration: p.VersioningConfiguration }),
          );
        if (p.ObjectLockConfiguration)
          await s3c.send(
            new s3.PutObjectLockConfigurationCommand({
              Bucket,
              ObjectLockConfiguration: {
                ObjectLockEnabled: p.ObjectLockConfiguration.ObjectLockEnabled,
                Rule: p.ObjectLockConfiguration.Rule,
              },
            }),
          );
        if (p.BucketEncryption)
          await s3c.send(
            new s3.PutBucketEncryptionCommand({
              Bucket,
              // The API's name for CloudFormation's ServerSideEncryptionByDefault.
              ServerSideEncryptionConfiguration: {
                Rules: p.BucketEncryption.ServerSideEncryptionConfiguration.map((r: any) => ({
                  ApplyServerSideEncryptionByDefault: r.ServerSideEncryptionByDefault,
                  BucketKeyEnabled: r.BucketKeyEnabled,
                })),
              },
            }),
          );
        if (p.PublicAccessBlockConfiguration)
          await s3c.send(
            new s3.PutPublicAccessBlockCommand({
              Bucket,
              PublicAccessBlockConfiguration: p.PublicAccessBlockConfiguration,
            }),
          );
        break;
      }
      case 'AWS::S3::BucketPolicy':
        // Not applied: its Deny on aws:SecureTransport=false holds in moto, which listens on plain HTTP
        // (every call would be refused, as AWS would refuse it). The template tests check the policy.
        not.push(id);
        continue;
      case 'AWS::Cognito::UserPool': {
        const { EnabledMfas: _m, UserPoolTier: _t, LambdaConfig, ...rest } = p;
        const out = await cognito.send(
          new idp.CreateUserPoolCommand({ PoolName: `${stackName}-${id}`, ...rest, LambdaConfig }),
        );
        physical[id] = out.UserPool!.Id!;
        arns[id] = out.UserPool!.Arn!;
        break;
      }
      case 'AWS::Cognito::UserPoolGroup':
        await cognito.send(new idp.CreateGroupCommand(p));
        physical[id] = p.GroupName;
        break;
      case 'AWS::Cognito::UserPoolResourceServer':
        await cognito.send(new idp.CreateResourceServerCommand(p));
        physical[id] = p.Identifier;
        break;
      case 'AWS::Cognito::UserPoolClient': {
        const out = await cognito.send(new idp.CreateUserPoolClientCommand({ ClientName: id, ...p }));
        physical[id] = out.UserPoolClient!.ClientId!;
        break;
      }
      case 'AWS::Cognito::UserPoolDomain':
        await cognito.send(new idp.CreateUserPoolDomainCommand(p));
        physical[id] = p.Domain;
        break;
      default:
        not.push(id);
        continue;
    }
    sdk.push(id);
  }
  return {
    physical,
    arn,
    ofType: (type: string) => Object.keys(resources).filter((id) => resources[id]!.Type === type),
    createdBy: { cloudFormation: [...inStack], sdk, not },
  } satisfies MotoStack;
}
