/** The stateful stack: key, tables, report bucket, pepper, user pool, as docs/data-model.md describes them. */
import { beforeAll, describe, expect, it } from 'vitest';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthTemplates } from '#infra/synth.ts';
import { createTableInput } from '#infra/local/dynamodb.ts';
import { machineRoles, roles } from '#handlers/http/routes.ts';
import { byMetadata, resources, type Template as Cfn } from './support.ts';

let template: Template;
let raw: Cfn;
let keyId: string;

beforeAll(() => {
  raw = synthTemplates().stateful as Cfn;
  template = Template.fromJSON(raw);
  keyId = resources(raw, 'AWS::KMS::Key')[0][0];
});

const keyArn = () => ({ 'Fn::GetAtt': [keyId, 'Arn'] });

describe('KMS key', () => {
  it('is one customer-managed data key, rotated, retained (beside it only the asymmetric audit signing key)', () => {
    template.resourceCountIs('AWS::KMS::Key', 2);
    template.resourcePropertiesCountIs('AWS::KMS::Key', { KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }, 1);
    template.hasResource('AWS::KMS::Key', {
      Properties: { EnableKeyRotation: true },
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
  });
});

describe('DynamoDB tables', () => {
  const names = ['ecif', 'consent', 'requests', 'audit'] as const;
  const streamed = new Set(['consent', 'requests', 'audit']);

  it('are exactly the four tables of the design and the idempotency table, each tagged for the local runtime', () => {
    const tables = resources(raw, 'AWS::DynamoDB::Table');
    expect(tables.map(([, r]) => r.Metadata?.['custodian:table']).sort()).toEqual([...names, 'idempotency'].sort());
    // TableV2 would synthesize AWS::DynamoDB::GlobalTable, which the local runtime does not read.
    template.resourceCountIs('AWS::DynamoDB::GlobalTable', 0);
  });

  it.each(names)('%s: PK/SK strings, on demand, PITR, KMS with the CMK, retained', (name) => {
    const id = byMetadata(raw, 'custodian:table', name);
    const table = raw.Resources![id] as any;
    expect(table.DeletionPolicy).toBe('Retain');
    expect(table.UpdateReplacePolicy).toBe('Retain');
    const p = table.Properties;
    expect(p.KeySchema).toEqual([
      { AttributeName: 'PK', KeyType: 'HASH' },
      { AttributeName: 'SK', KeyType: 'RANGE' },
    ]);
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'PK', AttributeType: 'S' },
        { AttributeName: 'SK', AttributeType: 'S' },
      ]),
    );
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn() });
    expect(p.DeletionProtectionEnabled).toBe(true);
    if (streamed.has(name)) expect(p.StreamSpecification).toEqual({ StreamViewType: 'NEW_AND_OLD_IMAGES' });
    else expect(p.StreamSpecification).toBeUndefined();
  });

  it('requests: GSI1 (status) and GSI2 (received date) on their PK/SK (S), projection ALL, and TTL on expiresAt', () => {
    const p = (raw.Resources![byMetadata(raw, 'custodian:table', 'requests')] as any).Properties;
    expect(p.GlobalSecondaryIndexes).toEqual([
      {
        IndexName: 'GSI1',
        KeySchema: [
          { AttributeName: 'GSI1PK', KeyType: 'HASH' },
          { AttributeName: 'GSI1SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'GSI2',
        KeySchema: [
          { AttributeName: 'GSI2PK', KeyType: 'HASH' },
          { AttributeName: 'GSI2SK', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
    ]);
    expect(p.AttributeDefinitions).toEqual(
      expect.arrayContaining([
        { AttributeName: 'GSI1PK', AttributeType: 'S' },
        { AttributeName: 'GSI1SK', AttributeType: 'S' },
        { AttributeName: 'GSI2PK', AttributeType: 'S' },
        { AttributeName: 'GSI2SK', AttributeType: 'S' },
      ]),
    );
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiresAt', Enabled: true });
  });

  it("idempotency: Powertools' schema (id, TTL on expiration), on demand, PITR, KMS with the CMK, retained, no stream", () => {
    const table = raw.Resources![byMetadata(raw, 'custodian:table', 'idempotency')] as any;
    expect(table.DeletionPolicy).toBe('Retain');
    const p = table.Properties;
    expect(p.KeySchema).toEqual([{ AttributeName: 'id', KeyType: 'HASH' }]);
    expect(p.TimeToLiveSpecification).toEqual({ AttributeName: 'expiration', Enabled: true });
    expect(p.BillingMode).toBe('PAY_PER_REQUEST');
    expect(p.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
    expect(p.SSESpecification).toEqual({ SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: keyArn() });
    expect(p.StreamSpecification).toBeUndefined();
  });

  it('the local runtime can create each table from its template properties', () => {
    for (const [, r] of resources(raw, 'AWS::DynamoDB::Table')) {
      const input = createTableInput(`custodian-${r.Metadata!['custodian:table']}`, r.Properties!);
      expect(input.BillingMode).toBe('PAY_PER_REQUEST');
      expect(input.KeySchema).toEqual(r.Properties!.KeySchema);
    }
  });
});

describe('report bucket', () => {
  let bucketId: string;
  beforeAll(() => {
    bucketId = byMetadata(raw, 'custodian:bucket', 'reports');
  });

  it('is encrypted with the CMK, blocks public access, versioned, retained', () => {
    const bucket = raw.Resources![bucketId] as any;
    expect(bucket.DeletionPolicy).toBe('Retain');
    const p = bucket.Properties;
    expect(p.BucketEncryption.ServerSideEncryptionConfiguration).toEqual([
      expect.objectContaining({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: keyArn() } }),
    ]);
    expect(p.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(p.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(p.LoggingConfiguration?.DestinationBucketName).toBeDefined();
  });

  it('expires reports after 30 days, old versions included', () => {
    const rules = (raw.Resources![bucketId] as any).Properties.LifecycleConfiguration.Rules;
    expect(rules).toContainEqual(
      expect.objectContaining({
        Status: 'Enabled',
        ExpirationInDays: 30,
        NoncurrentVersionExpiration: { NoncurrentDays: 1 },
      }),
    );
    expect(rules[0].Prefix ?? '').toBe('');
  });

  it('denies every request that is not over TLS', () => {
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: bucketId },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Action: 's3:*',
            Principal: { AWS: '*' },
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('its access-log bucket is private, TLS-only and not itself public', () => {
    const logBucketRef = (raw.Resources![bucketId] as any).Properties.LoggingConfiguration.DestinationBucketName;
    const logBucket = raw.Resources![logBucketRef.Ref] as any;
    expect(logBucket.Properties.PublicAccessBlockConfiguration.BlockPublicAcls).toBe(true);
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: logBucketRef,
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  });
});

describe('identifier pepper', () => {
  it.each(['pepper', 'connector-signing'])('%s: a generated secret under the CMK, retained', (name) => {
    template.resourceCountIs('AWS::SecretsManager::Secret', 2);
    template.hasResource('AWS::SecretsManager::Secret', {
      Properties: { KmsKeyId: keyArn(), GenerateSecretString: Match.objectLike({ PasswordLength: 64 }) },
      DeletionPolicy: 'Retain',
      Metadata: { 'custodian:secret': name },
    });
  });
});

describe('identity', () => {
  it('has one Cognito group per role of the route table', () => {
    const groups = resources(raw, 'AWS::Cognito::UserPoolGroup').map(([, r]) => r.Properties!.GroupName);
    expect(groups.sort()).toEqual([...roles].sort());
  });

  it('the user pool is retained, with MFA and threat protection', () => {
    template.hasResource('AWS::Cognito::UserPool', {
      Properties: Match.objectLike({ MfaConfiguration: 'ON', UserPoolTier: 'PLUS' }),
      DeletionPolicy: 'Retain',
    });
    // People's public client, and one client-credentials client per machine role.
    template.resourceCountIs('AWS::Cognito::UserPoolClient', 1 + machineRoles.length);
  });

  it('machine clients get tokens by client credentials, their role as the scope custodian/<role>', () => {
    template.hasResourceProperties('AWS::Cognito::UserPoolResourceServer', {
      Identifier: 'custodian',
      Scopes: machineRoles.map((r) => Match.objectLike({ ScopeName: r })),
    });
    for (const role of machineRoles) {
      template.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: true,
        AllowedOAuthFlows: ['client_credentials'],
        AllowedOAuthScopes: [`custodian/${role}`],
      });
    }
    template.resourceCountIs('AWS::Cognito::UserPoolDomain', 1);
  });

  it("a customer's ecifId is an immutable custom attribute its own app client may read, never write", () => {
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      Schema: Match.arrayWith([Match.objectLike({ Name: 'ecifId', AttributeDataType: 'String', Mutable: false })]),
    });
    const [people] = resources(raw, 'AWS::Cognito::UserPoolClient').filter(([, r]) => !r.Properties!.GenerateSecret);
    expect(people![1].Properties!.ReadAttributes).toContain('custom:ecifId');
    expect(people![1].Properties!.WriteAttributes.length).toBeGreaterThan(0);
    expect(people![1].Properties!.WriteAttributes).not.toContain('custom:ecifId');
  });

  it('the pre-token-generation trigger (V2) is the identity function, so the claim is in access tokens too', () => {
    const fn = byMetadata(raw, 'custodian:function', 'identity:pre-token-generation');
    template.hasResourceProperties('AWS::Cognito::UserPool', {
      LambdaConfig: {
        PreTokenGenerationConfig: { LambdaArn: { 'Fn::GetAtt': [fn, 'Arn'] }, LambdaVersion: 'V2_0' },
      },
    });
    template.hasResourceProperties('AWS::Lambda::Function', {
      Runtime: 'nodejs22.x',
      TracingConfig: { Mode: 'Active' },
    });
  });
});
