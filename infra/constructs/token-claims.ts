/**
 * The user pool's pre-token-generation trigger (V2: ID and access tokens), which puts a customer's
 * `custom:ecifId` into its tokens. It lives in the stateful stack beside the pool it serves (a
 * trigger in the stateless stack would make the pool depend on it). Its own role and log group,
 * traced like every function; it reads nothing but the event.
 */
import path from 'node:path';
import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { FUNCTION_METADATA_KEY, handlerBundling, projectRoot, XRAY_WRITE_POLICY } from './functions.ts';

export class CustomerTokenClaims extends Construct {
  readonly fn: NodejsFunction;

  constructor(scope: Construct, id: string, props: { userPool: cognito.UserPool }) {
    super(scope, id);
    const logGroup = new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.THREE_MONTHS });
    const role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Custodian identity pre-token-generation',
    });
    logGroup.grantWrite(role);
    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(projectRoot, 'functions', 'handlers', 'identity', 'pre-token-generation.ts'),
      handler: 'handler',
      projectRoot,
      depsLockFilePath: path.join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // Cognito waits 5 s for a trigger.
      timeout: Duration.seconds(5),
      role,
      logGroup,
      loggingFormat: lambda.LoggingFormat.JSON,
      // No --enable-source-maps: Cognito waits 5 s for a trigger, and the flag costs ~30% of a bundle's import.
      environment: { POWERTOOLS_SERVICE_NAME: 'custodian' },
      bundling: handlerBundling,
    });
    (this.fn.node.defaultChild as CfnResource).addMetadata(FUNCTION_METADATA_KEY, 'identity:pre-token-generation');
    (this.fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName(XRAY_WRITE_POLICY));
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/${XRAY_WRITE_POLICY}]`,
      reason:
        'AWSXRayDaemonWriteAccess only lets the function send its own trace segments (X-Ray has no resource-level permissions).',
    });
    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'nodejs22.x is the runtime the bundles target (esbuild target node22).',
    });
    // V2: the trigger may add claims to access tokens too (the pool's Plus feature plan allows it).
    props.userPool.addTrigger(
      cognito.UserPoolOperation.PRE_TOKEN_GENERATION_CONFIG,
      this.fn,
      cognito.LambdaVersion.V2_0,
    );
  }
}
