/**
 * One Lambda function per handler, bundled by esbuild, with an IAM role built from the access the
 * handler declares in the route table or the task table, and nothing else. Each function gets its
 * own role and log group (no AWSLambdaBasicExecutionRole: it writes to every log group).
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArnFormat, Aws, type CfnResource, Duration, Fn, Stack, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { handlerBundling } from './bundling.ts';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as events from 'aws-cdk-lib/aws-events';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Config } from '#functions/config.ts';
import type { Access, TableName } from '#handlers/http/routes.ts';
import { pascal } from './names.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import { grantSystemKeyIssuing } from './system-keys.ts';

/** The repository root: entries and the lock file are resolved from here. */
export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));

export { handlerBundling } from './bundling.ts';

/** Metadata on each AWS::Lambda::Function: `http:<handler>` or `task:<StateName>`. */
export const FUNCTION_METADATA_KEY = 'custodian:function';

/** Names of the connected systems' DynamoDB tables this deployment may reach (ExecuteSystem). */
export const CONNECTED_TABLE_PREFIX = 'custodian-connected-';

/**
 * The DynamoDB actions per declared access. Transactions (TransactWriteItems) are authorized
 * per item by these actions. No Scan; BatchWriteItem only for a load batch (`batchWrites`).
 */
export const dynamoActions = {
  read: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'],
  write: [
    'dynamodb:GetItem',
    'dynamodb:Query',
    'dynamodb:BatchGetItem',
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:ConditionCheckItem',
  ],
} as const satisfies Record<Access, readonly string[]>;

/** The audit log is append-only whatever a row declares: no UpdateItem, no DeleteItem, ever. */
export const auditActions = {
  read: ['dynamodb:GetItem', 'dynamodb:Query'],
  write: ['dynamodb:PutItem', 'dynamodb:GetItem', 'dynamodb:Query'],
} as const satisfies Record<Access, readonly string[]>;

/**
 * Where connected systems' own secrets are in Secrets Manager: `<prefix><kind>/<ref>`, e.g.
 * `custodian/connectors/http/crm` (functions/adapters/connectors/system-secrets.ts).
 */
export const CONNECTOR_SECRETS_PREFIX = 'custodian/connectors/';

export const connectorActions = ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'] as const;

export const reportActions = {
  read: ['s3:GetObject'],
  write: ['s3:GetObject', 's3:PutObject'],
} as const satisfies Record<Access, readonly string[]>;

/** What a handler may touch: a route row or a task row (the shape they share). */
export interface AccessSpec {
  readonly tables: Partial<Record<TableName, Access>>;
  readonly reports?: Access;
  readonly connectors?: boolean;
  readonly startsWorkflow?: boolean;
  /** Writes daily audit digests to the write-once bucket. */
  readonly digests?: 'write';
  /** Sends requester notices (codes, acknowledgements, refusals) through SES. */
  readonly notifies?: boolean;
  /** Puts `consent.changed` on the consent event bus. */
  readonly publishesConsentChanges?: boolean;
  /** Answers the workflow's waiting steps (callbacks, manual tasks): states:SendTask* on the state machine. */
  readonly answersTasks?: boolean;
  /** Starts audit verification jobs (states:StartExecution on their state machine). */
  readonly startsAuditVerification?: boolean;
  /** The audit key: `sign` (kms:Sign and kms:GetPublicKey) or `read` (its public half only). */
  readonly auditKey?: 'sign' | 'read';
  /** Issues HTTP systems their signing keys (Secrets Manager, under the connectors prefix). */
  readonly issuesSystemKeys?: boolean;
  /** Starts the ECIF load state machine. */
  readonly startsLoad?: boolean;
  /** Writes a load batch's profiles and cross-references with BatchWriteItem (the ECIF table only). */
  readonly batchWrites?: boolean;
  /** Honours Idempotency-Key: reads and writes its records in the idempotency table. */
  readonly idempotent?: boolean;
}

/** What Powertools' DynamoDB persistence layer does to the idempotency table: no Query, no Scan. */
export const idempotencyActions = [
  'dynamodb:GetItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'dynamodb:DeleteItem',
] as const;

/** The AWS managed policy of active tracing: PutTraceSegments and PutTelemetryRecords, nothing else. */
export const XRAY_WRITE_POLICY = 'AWSXRayDaemonWriteAccess';

/** What answering a waiting workflow step takes (the same as CDK's grantTaskResponse). */
export const taskResponseActions = [
  'states:SendTaskSuccess',
  'states:SendTaskFailure',
  'states:SendTaskHeartbeat',
] as const;

/** The data resources the functions reach (from the stateful stack). */
export interface DataResources {
  readonly key: kms.IKey;
  readonly tables: Record<TableName, dynamodb.ITable>;
  readonly tableIndexes: Record<TableName, readonly string[]>;
  readonly reportBucket: s3.IBucket;
  readonly digestBucket: s3.IBucket;
  readonly pepperSecret: secretsmanager.ISecret;
  readonly connectorSigningSecret: secretsmanager.ISecret;
  readonly auditKey: kms.IKey;
  readonly idempotencyTable: dynamodb.ITable;
}

/** Environment names: those of functions/config.ts, plus the optional-token check of public routes. */
export type FunctionEnvironment = Partial<
  Record<keyof Config | 'JWKS_URL' | 'JWT_ISSUER' | 'JWT_AUDIENCE' | 'NODE_OPTIONS', string>
>;

export interface CustodianFunctionProps {
  /** `http` (functions/handlers/http/<handler>.ts), `task` (…/tasks/), `scheduled` (…/scheduled/) or `event` (…/events/). */
  readonly kind: 'http' | 'task' | 'scheduled' | 'event';
  /** The file name under functions/handlers/<kind>/ without `.ts`. */
  readonly handler: string;
  /** The name recorded in the `custodian:function` metadata (the handler, or the state name of a task). */
  readonly name: string;
  readonly access: AccessSpec;
  readonly data: DataResources;
  /** Required when `access.startsWorkflow`. */
  readonly stateMachine?: sfn.IStateMachine;
  /** Required when `access.startsLoad`. */
  readonly loadStateMachine?: sfn.IStateMachine;
  /** Required when `access.startsAuditVerification`. */
  readonly auditVerification?: sfn.IStateMachine;
  /** Required when `access.publishesConsentChanges`. */
  readonly consentBus?: events.IEventBus;
  /** Added to the environment every function gets. */
  readonly environment?: FunctionEnvironment;
  /** The verified SES sender of requester notices (functions that notify). @default 'privacy@example.com' */
  readonly sesFrom?: string;
  /** Public holidays for deadlines, `YYYY-MM-DD,...` (HOLIDAYS). @default none (weekends only) */
  readonly holidays?: string;
  /** The deployment decision tokens name as their audience. @default `urn:custodian:<account>:<region>:<stack>` */
  readonly deployment?: string;
  /** @default 'info' */
  readonly logLevel?: NonNullable<Config['LOG_LEVEL']>;
  readonly serviceVersion: string;
  /** @default 10 s for http (the HTTP API waits 30 s at most), 60 s for tasks (connected systems). */
  readonly timeout?: Duration;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default logs.RetentionDays.THREE_MONTHS */
  readonly logRetention?: logs.RetentionDays;
}

export class CustodianFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CustodianFunctionProps) {
    super(scope, id);
    const { access, data } = props;
    if (access.startsAuditVerification && !props.auditVerification) {
      throw new Error(`${props.kind}:${props.name} starts audit verifications but no state machine was given`);
    }
    if (access.startsWorkflow && !props.stateMachine) {
      throw new Error(`${props.kind}:${props.name} starts the workflow but no state machine was given`);
    }

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
    });
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Custodian ${props.kind} ${props.name}`,
    });
    this.logGroup.grantWrite(this.role);

    const timeout = props.timeout ?? (props.kind === 'http' ? Duration.seconds(10) : Duration.seconds(60));
    const environment: FunctionEnvironment = {
      TABLE_ECIF: data.tables.ecif.tableName,
      TABLE_CONSENT: data.tables.consent.tableName,
      TABLE_REQUESTS: data.tables.requests.tableName,
      TABLE_AUDIT: data.tables.audit.tableName,
      IDENTIFIER_PEPPER_SECRET_ARN: data.pepperSecret.secretArn,
      SERVICE_VERSION: props.serviceVersion,
      LOG_LEVEL: props.logLevel ?? 'info',
      // No --enable-source-maps: it made the decision bundle's import 1.30x slower (npm run bench -- --only
      // cold-start). The adjacent .map ships with each bundle for reading a stack trace afterwards (docs/operations.md).
      ...(access.reports ? { REPORT_BUCKET: data.reportBucket.bucketName } : {}),
      ...(access.digests ? { DIGEST_BUCKET: data.digestBucket.bucketName } : {}),
      ...(access.startsWorkflow ? { STATE_MACHINE_ARN: props.stateMachine!.stateMachineArn } : {}),
      ...(access.startsLoad ? { LOAD_STATE_MACHINE_ARN: props.loadStateMachine!.stateMachineArn } : {}),
      ...(access.startsAuditVerification
        ? { AUDIT_VERIFICATION_STATE_MACHINE_ARN: props.auditVerification!.stateMachineArn }
        : {}),
      ...(access.auditKey ? { AUDIT_SIGNING_KEY_ID: data.auditKey.keyArn } : {}),
      ...(access.idempotent ? { TABLE_IDEMPOTENCY: data.idempotencyTable.tableName } : {}),
      // Functions that call systems hold each system's limits over every instance: leases in the requests table.
      ...(access.connectors
        ? {
            CONNECTOR_SIGNING_SECRET_ARN: data.connectorSigningSecret.secretArn,
            CONNECTOR_SECRETS_PREFIX,
            SYSTEM_LIMITS: 'shared',
            // A fifth of the function's time at most for a slot: the rest is for the calls themselves.
            SYSTEM_SLOT_WAIT_MS: String(timeout.toMilliseconds() / 5),
          }
        : {}),
      ...(access.issuesSystemKeys ? { CONNECTOR_SECRETS_PREFIX } : {}),
      ...(access.notifies ? { OUTBOX: 'ses', SES_FROM: props.sesFrom ?? 'privacy@example.com' } : {}),
      ...(props.holidays ? { HOLIDAYS: props.holidays } : {}),
      // A CRM refuses a decision token signed for another deployment (staging's, say).
      DECISION_TOKEN_AUDIENCE:
        props.deployment ?? Fn.join(':', ['urn:custodian', Aws.ACCOUNT_ID, Aws.REGION, Aws.STACK_NAME]),
      ...(access.publishesConsentChanges ? { CONSENT_EVENT_BUS: props.consentBus!.eventBusName } : {}),
      ...props.environment,
    };

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(
        projectRoot,
        'functions',
        'handlers',
        { http: 'http', task: 'tasks', scheduled: 'scheduled', event: 'events' }[props.kind],
        `${props.handler}.ts`,
      ),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout,
      role: this.role,
      logGroup: this.logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      environment: environment as Record<string, string>,
      bundling: handlerBundling,
    });
    (this.fn.node.defaultChild as CfnResource).addMetadata(FUNCTION_METADATA_KEY, `${props.kind}:${props.name}`);
    // X-Ray: each invocation traced. Set on the resource, with AWS's write-only X-Ray policy, rather than
    // through `tracing` (which would put a `*` resource into the role's own policy, where any wildcard fails cdk-nag).
    (this.fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    this.role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(XRAY_WRITE_POLICY));
    Validations.of(this.role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${XRAY_WRITE_POLICY}]`,
      reason:
        'AWSXRayDaemonWriteAccess only lets the function send its own trace segments (X-Ray has no resource-level permissions).',
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'nodejs22.x is the runtime the bundles target (esbuild target node22); a newer runtime is a deliberate upgrade of both.',
    });

    this.grantData(access, data);
    if (access.startsWorkflow) props.stateMachine!.grantStartExecution(this.role);
    if (access.startsLoad) props.loadStateMachine!.grantStartExecution(this.role);
    if (access.batchWrites) data.tables.ecif.grant(this.role, 'dynamodb:BatchWriteItem');
    if (access.startsAuditVerification) props.auditVerification!.grantStartExecution(this.role);
    if (access.auditKey) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'AuditKey',
          actions: access.auditKey === 'sign' ? ['kms:Sign', 'kms:GetPublicKey'] : ['kms:GetPublicKey'],
          resources: [data.auditKey.keyArn],
        }),
      );
    }
    // A workflow task is created before its state machine: the stack grants it (TaskResponsePolicy) once both exist.
    if (access.answersTasks && props.stateMachine) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'TaskResponse',
          actions: [...taskResponseActions],
          resources: [props.stateMachine.stateMachineArn],
        }),
      );
    }
    if (access.publishesConsentChanges) props.consentBus!.grantPutEventsTo(this.role);
    if (access.notifies) {
      // Only the sender's own domain identity: the function cannot send as anyone else.
      const domain = (props.sesFrom ?? 'privacy@example.com').split('@')[1];
      const identity = Stack.of(this).formatArn({ service: 'ses', resource: 'identity', resourceName: domain });
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'RequesterNotices', actions: ['ses:SendEmail'], resources: [identity] }),
      );
    }
  }

  private grantData(access: AccessSpec, data: DataResources): void {
    const stack = Stack.of(this);
    for (const [name, level] of Object.entries(access.tables) as [TableName, Access][]) {
      const table = data.tables[name];
      const actions = name === 'audit' ? auditActions[level] : dynamoActions[level];
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: `${pascal(name)}Table${pascal(level)}`,
          actions: [...actions],
          // Query on an index needs the index ARN; named indexes, not `/index/*`.
          resources: [table.tableArn, ...data.tableIndexes[name].map((i) => `${table.tableArn}/index/${i}`)],
        }),
      );
    }

    if (access.idempotent) {
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'IdempotencyRecords',
          actions: [...idempotencyActions],
          resources: [data.idempotencyTable.tableArn],
        }),
      );
    }

    if (access.reports) {
      const objects = data.reportBucket.arnForObjects('*');
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'Reports', actions: [...reportActions[access.reports]], resources: [objects] }),
      );
      acknowledgeWildcardResources(
        this.role,
        [objects],
        'Report object keys are per request; the bucket holds nothing but reports.',
      );
    }

    if (access.digests) {
      const digests = data.digestBucket.arnForObjects('digests/*');
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'AuditDigests', actions: ['s3:PutObject'], resources: [digests] }),
      );
      acknowledgeWildcardResources(
        this.role,
        [digests],
        'One object per day under digests/; the bucket is write-once (Object Lock).',
      );
    }

    if (access.connectors) {
      // Connected systems of kind `dynamodb` live in this account under this prefix; a table named
      // otherwise needs this grant extended (and its KMS key, if any, granted) by its owner.
      const connected = stack.formatArn({
        service: 'dynamodb',
        resource: 'table',
        resourceName: `${CONNECTED_TABLE_PREFIX}*`,
      });
      this.role.addToPolicy(
        new iam.PolicyStatement({ sid: 'ConnectedTables', actions: [...connectorActions], resources: [connected] }),
      );
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'ConnectorSigning',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [data.connectorSigningSecret.secretArn],
        }),
      );
      acknowledgeWildcardResources(
        this.role,
        [connected],
        `Connected systems are registered at run time; their DynamoDB tables are confined to the ${CONNECTED_TABLE_PREFIX} prefix.`,
      );
      // Systems' own signing keys and connection URLs, read by reference; the `*` also covers the
      // six characters Secrets Manager appends to every secret's ARN.
      const systemSecrets = stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        resourceName: `${CONNECTOR_SECRETS_PREFIX}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      });
      this.role.addToPolicy(
        new iam.PolicyStatement({
          sid: 'SystemSecrets',
          actions: ['secretsmanager:GetSecretValue'],
          resources: [systemSecrets],
        }),
      );
      acknowledgeWildcardResources(
        this.role,
        [systemSecrets],
        `Secrets are registered per connected system at run time (connector.secretRef, connectionRef), all under the one prefix ${CONNECTOR_SECRETS_PREFIX}.`,
      );
    }

    if (access.issuesSystemKeys) grantSystemKeyIssuing(this.role, stack, CONNECTOR_SECRETS_PREFIX);

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'IdentifierPepper',
        actions: ['secretsmanager:GetSecretValue'],
        resources: [data.pepperSecret.secretArn],
      }),
    );

    // The CMK encrypts the tables, the bucket and the secret; it is used only through those services.
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'DataKey',
        actions: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'],
        resources: [data.key.keyArn],
        conditions: {
          StringEquals: {
            'kms:ViaService': ['dynamodb', 'secretsmanager', 's3'].map(
              (s) => `${s}.${stack.region}.${stack.urlSuffix}`,
            ),
          },
        },
      }),
    );
  }
}
