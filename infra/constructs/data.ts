/**
 * The data of Custodian: one customer-managed KMS key, the four DynamoDB tables of docs/data-model.md
 * (and the idempotency table of the write routes),
 * the report bucket and the identifier pepper. Everything here holds personal data or the key
 * to it, so it is retained when the stack goes (RemovalPolicy.RETAIN unless told otherwise).
 */
import { CfnOutput, type CfnResource, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { TableName } from '#handlers/http/routes.ts';
import { pascal } from './names.ts';

/** Metadata keys the local runtime looks for in the synthesized template. */
export const TABLE_METADATA_KEY = 'custodian:table';
export const BUCKET_METADATA_KEY = 'custodian:bucket';
export const SECRET_METADATA_KEY = 'custodian:secret';

interface TableSpec {
  /** Streams feed the EventBridge fan-out (consent.changed, request.*, audit export). */
  stream: boolean;
  /** Items carrying this attribute (epoch seconds) expire. */
  ttlAttribute?: string;
  /** Global secondary indexes, each on `<name>PK` / `<name>SK` (both S), projection ALL. */
  indexes: readonly string[];
}

/** One row per table of docs/data-model.md. Every table is keyed `PK` / `SK` (both S). */
export const tableSpecs: Record<TableName, TableSpec> = {
  ecif: { stream: false, indexes: [] },
  consent: { stream: true, indexes: [] },
  requests: { stream: true, ttlAttribute: 'expiresAt', indexes: ['GSI1'] },
  // GSI1: events by day (`DAY#<yyyy-mm-dd>` / `<at>#<stream>#<seq>`): time-range search, verify and export without a Scan.
  // TTL `retainUntil`: the end of the event's day plus the retention (AUDIT_RETENTION_DAYS).
  audit: { stream: true, ttlAttribute: 'retainUntil', indexes: ['GSI1'] },
};

export const tableNames = Object.keys(tableSpecs) as TableName[];

export interface CustodianDataProps {
  /** @default RemovalPolicy.RETAIN: the tables, bucket, key and secret outlive the stack. */
  readonly removalPolicy?: RemovalPolicy;
  /** Days after which an access or portability report is deleted from the bucket. @default 30 */
  readonly reportExpiryDays?: number;
  /** Days the S3 server access logs of the report bucket are kept. @default 400 */
  readonly accessLogRetentionDays?: number;
  /** Days a daily audit digest is locked (COMPLIANCE). @default 2555 (7 years) */
  readonly digestRetentionDays?: number;
}

export class CustodianData extends Construct {
  readonly key: kms.Key;
  readonly tables: Record<TableName, dynamodb.Table>;
  /** The GSI names per table: IAM grants name them instead of `/index/*`. */
  readonly tableIndexes: Record<TableName, readonly string[]>;
  readonly reportBucket: s3.Bucket;
  readonly accessLogBucket: s3.Bucket;
  readonly pepperSecret: secretsmanager.Secret;
  readonly digestBucket: s3.Bucket;
  readonly connectorSigningSecret: secretsmanager.Secret;
  /** Idempotency-Key records of the write routes (Powertools' schema: `id`, TTL `expiration`). */
  readonly idempotencyTable: dynamodb.Table;

  constructor(scope: Construct, id: string, props: CustodianDataProps = {}) {
    super(scope, id);
    // The recommended flag: S3 delivers access logs under a bucket policy, not the legacy log-delivery ACL.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;

    this.key = new kms.Key(this, 'Key', {
      description: 'Custodian: tables, report bucket and identifier pepper',
      enableKeyRotation: true,
      removalPolicy,
    });

    const tables = {} as Record<TableName, dynamodb.Table>;
    const tableIndexes = {} as Record<TableName, readonly string[]>;
    for (const name of tableNames) {
      const spec = tableSpecs[name];
      const table = new dynamodb.Table(this, `${pascal(name)}Table`, {
        partitionKey: { name: 'PK', type: dynamodb.AttributeType.STRING },
        sortKey: { name: 'SK', type: dynamodb.AttributeType.STRING },
        billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
        encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
        encryptionKey: this.key,
        pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
        deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
        stream: spec.stream ? dynamodb.StreamViewType.NEW_AND_OLD_IMAGES : undefined,
        timeToLiveAttribute: spec.ttlAttribute,
        removalPolicy,
      });
      for (const index of spec.indexes) {
        table.addGlobalSecondaryIndex({
          indexName: index,
          partitionKey: { name: `${index}PK`, type: dynamodb.AttributeType.STRING },
          sortKey: { name: `${index}SK`, type: dynamodb.AttributeType.STRING },
          projectionType: dynamodb.ProjectionType.ALL,
        });
      }
      // The local runtime creates its tables from the template and finds them by this key.
      (table.node.defaultChild as CfnResource).addMetadata(TABLE_METADATA_KEY, name);
      tables[name] = table;
      tableIndexes[name] = spec.indexes;
    }
    this.tables = tables;
    this.tableIndexes = tableIndexes;

    // Powertools' idempotency layer keys its records by `id` alone (a hash of caller and key): its own
    // table rather than a PK/SK one, where it would put every record of a route in one partition.
    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: { name: 'id', type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: this.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: removalPolicy === RemovalPolicy.RETAIN,
      timeToLiveAttribute: 'expiration',
      removalPolicy,
    });
    (this.idempotencyTable.node.defaultChild as CfnResource).addMetadata(TABLE_METADATA_KEY, 'idempotency');

    // Server access logs cannot be delivered to an SSE-KMS bucket: this one uses SSE-S3.
    this.accessLogBucket = new s3.Bucket(this, 'ReportAccessLogs', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(props.accessLogRetentionDays ?? 400) }],
      removalPolicy,
    });
    Validations.of(this.accessLogBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason: 'This is the access log bucket of the report bucket; logging it to itself would loop.',
    });

    // What every bucket holding personal data or records gets: the CMK, no public access, TLS only,
    // versions, no ACLs, access logs.
    const lockedDown = {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: this.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogBucket,
      removalPolicy,
    } satisfies s3.BucketProps;

    this.reportBucket = new s3.Bucket(this, 'Reports', {
      ...lockedDown,
      serverAccessLogsPrefix: 'reports/',
      lifecycleRules: [
        {
          id: 'expire-reports',
          // Reports are copies of a subject's personal data: they go, old versions included.
          expiration: Duration.days(props.reportExpiryDays ?? 30),
          noncurrentVersionExpiration: Duration.days(1),
          abortIncompleteMultipartUploadAfter: Duration.days(1),
        },
      ],
    });
    (this.reportBucket.node.defaultChild as CfnResource).addMetadata(BUCKET_METADATA_KEY, 'reports');

    // Daily audit digests, write-once: Object Lock in COMPLIANCE mode, so not even the account root
    // can delete or overwrite one before its retention ends.
    this.digestBucket = new s3.Bucket(this, 'AuditDigests', {
      ...lockedDown,
      objectLockEnabled: true,
      objectLockDefaultRetention: s3.ObjectLockRetention.compliance(Duration.days(props.digestRetentionDays ?? 2555)),
      serverAccessLogsPrefix: 'audit-digests/',
    });
    (this.digestBucket.node.defaultChild as CfnResource).addMetadata(BUCKET_METADATA_KEY, 'audit-digests');

    this.pepperSecret = new secretsmanager.Secret(this, 'IdentifierPepper', {
      description: 'Custodian: pepper of the HMAC over identifiers in the ECIF identity index',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    this.connectorSigningSecret = new secretsmanager.Secret(this, 'ConnectorSigningSecret', {
      description: 'Custodian: HMAC key that signs webhook calls to connected systems (shared with them out of band)',
      encryptionKey: this.key,
      generateSecretString: { passwordLength: 64, excludePunctuation: true },
      removalPolicy,
    });
    // Operators hand this secret to connected systems (docs/deploy.md): its ARN, never its value.
    new CfnOutput(this, 'ConnectorSigningSecretArn', {
      value: this.connectorSigningSecret.secretArn,
      description: 'Webhook signing key to share with HTTP-connected systems',
    });
    (this.pepperSecret.node.defaultChild as CfnResource).addMetadata(SECRET_METADATA_KEY, 'pepper');
    (this.connectorSigningSecret.node.defaultChild as CfnResource).addMetadata(
      SECRET_METADATA_KEY,
      'connector-signing',
    );
    Validations.of(this.connectorSigningSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'Connected systems verify with this key: a rotation is coordinated with them (overlap window), not automatic.',
    });
    Validations.of(this.pepperSecret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'The pepper keys every identity-index and suppression entry; rotating it needs a re-hash of the index, ' +
        'which is a planned migration, not an automatic rotation.',
    });
  }
}
