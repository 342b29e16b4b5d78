import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, DescribeTimeToLiveCommand, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import {
  createTableInput,
  createTablesFromTemplate,
  startDynamoDbLocal,
  type DynamoDbLocal,
} from '#infra/local/dynamodb.ts';

/** A hand-made fixture shaped like the CDK stateful template. */
const template = {
  Resources: {
    EcifTable1234: {
      Type: 'AWS::DynamoDB::Table',
      Metadata: { 'custodian:table': 'ecif' },
      Properties: {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
        ],
        GlobalSecondaryIndexes: [
          {
            IndexName: 'gsi1',
            KeySchema: [{ AttributeName: 'gsi1pk', KeyType: 'HASH' }],
            Projection: { ProjectionType: 'ALL' },
          },
        ],
        BillingMode: 'PAY_PER_REQUEST',
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': ['Key', 'Arn'] } },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    },
    AuditTable99: {
      Type: 'AWS::DynamoDB::Table',
      Metadata: { 'custodian:table': 'audit' },
      Properties: {
        KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
        AttributeDefinitions: [{ AttributeName: 'id', AttributeType: 'S' }],
        BillingMode: 'PAY_PER_REQUEST',
      },
    },
    Bucket: { Type: 'AWS::S3::Bucket', Properties: {} },
  },
};

let ddb: DynamoDbLocal;

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
});
afterAll(async () => {
  await ddb?.stop();
});

describe('createTableInput', () => {
  it('maps CloudFormation properties to CreateTable (streams enabled, provisioned defaults)', () => {
    const input = createTableInput('t', template.Resources.EcifTable1234.Properties);
    expect(input.StreamSpecification).toEqual({ StreamEnabled: true, StreamViewType: 'NEW_AND_OLD_IMAGES' });
    expect(input.BillingMode).toBe('PAY_PER_REQUEST');
    expect(input.ProvisionedThroughput).toBeUndefined();
    expect(input).not.toHaveProperty('SSESpecification');
    const prov = createTableInput('p', { KeySchema: [], AttributeDefinitions: [] });
    expect(prov.ProvisionedThroughput).toEqual({ ReadCapacityUnits: 5, WriteCapacityUnits: 5 });
  });
});

describe('DynamoDB Local tables from a template', () => {
  it('creates each table with its keys, indexes, stream and TTL, and returns names by metadata', async () => {
    const names = await createTablesFromTemplate(ddb.client, template, 'custodian');
    expect(names).toEqual({ ecif: 'custodian-ecif', audit: 'custodian-audit' });
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: 'custodian-ecif' }));
    expect(Table?.KeySchema).toEqual(template.Resources.EcifTable1234.Properties.KeySchema);
    expect(Table?.GlobalSecondaryIndexes?.map((g) => g.IndexName)).toEqual(['gsi1']);
    expect(Table?.StreamSpecification?.StreamViewType).toBe('NEW_AND_OLD_IMAGES');
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    const ttl = await ddb.client.send(new DescribeTimeToLiveCommand({ TableName: 'custodian-ecif' }));
    expect(ttl.TimeToLiveDescription?.AttributeName).toBe('expiresAt');
  });

  it('is idempotent: a second run skips existing tables', async () => {
    const again = await createTablesFromTemplate(ddb.client, template, 'custodian');
    expect(again).toEqual({ ecif: 'custodian-ecif', audit: 'custodian-audit' });
    const { TableNames } = await ddb.client.send(new ListTablesCommand({}));
    expect(TableNames?.filter((n) => n.startsWith('custodian-')).sort()).toEqual(['custodian-audit', 'custodian-ecif']);
  });

  it('stop() ends the Java process', async () => {
    const other = await startDynamoDbLocal();
    await other.stop();
    await expect(fetch(other.endpoint)).rejects.toThrow();
  });
});
