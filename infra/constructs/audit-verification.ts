/**
 * The audit verification job (Standard): a Distributed Map over the days of the range, each day
 * checked by its own task in a child execution (days are independent: each is anchored on the day
 * before it), then one task puts the result together and signs it. A day's step that fails for
 * good still ends the job with a result that says so. Locally aws-local-stepfunctions runs the same
 * definition, the Map inline.
 */
import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { AuditVerificationTaskName } from '#handlers/tasks/tasks.ts';
import { acknowledgeWildcardResources } from './nag.ts';
import { stepRetry, WORKFLOW_METADATA_KEY } from './workflow.ts';

export const AUDIT_VERIFICATION_WORKFLOW = 'audit-verification';
/** Days checked at once: each reads its day's events with consistent reads (docs/scaling.md). */
export const AUDIT_DAYS_AT_ONCE = 10;

export interface AuditVerificationWorkflowProps {
  readonly functions: Record<AuditVerificationTaskName, lambda.IFunction>;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

export class AuditVerificationWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: AuditVerificationWorkflowProps) {
    super(scope, id);
    const task = (name: AuditVerificationTaskName, payload?: Record<string, unknown>) =>
      new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: props.functions[name],
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        payload: payload && sfn.TaskInput.fromObject(payload),
      });

    // Input {kind: 'verification' | 'export', jobId, days: ['yyyy-mm-dd', ...]}: the same days, checked or exported.
    const verifyDay = task('VerifyAuditDay');
    verifyDay.addRetry(stepRetry);
    const days = new sfn.DistributedMap(this, 'VerifyDays', {
      stateName: 'VerifyDays',
      itemsPath: sfn.JsonPath.stringAt('$.days'),
      itemSelector: {
        kind: sfn.JsonPath.stringAt('$.kind'),
        jobId: sfn.JsonPath.stringAt('$.jobId'),
        day: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      },
      maxConcurrency: AUDIT_DAYS_AT_ONCE,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // Each day's result is stored by its task; the state keeps the job id only.
      resultPath: sfn.JsonPath.DISCARD,
    });
    days.itemProcessor(verifyDay);

    // The whole state goes to the task: {jobId, days} when every day ran, {jobId, error} when one failed for good.
    const finish = task('FinishAuditVerification');
    finish.addRetry(stepRetry);
    const failed = new sfn.Pass(this, 'DayStepFailed', {
      stateName: 'DayStepFailed',
      parameters: {
        kind: sfn.JsonPath.stringAt('$.kind'),
        jobId: sfn.JsonPath.stringAt('$.jobId'),
        error: sfn.JsonPath.stringAt('$.failure.Error'),
      },
    });
    days.addCatch(failed, { errors: ['States.ALL'], resultPath: '$.failure' });
    failed.next(finish);

    const logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(days.next(finish)),
      // A year of days, ten at a time, each up to 15 minutes: far inside a day at a bank's scale (docs/scaling.md).
      timeout: Duration.days(2),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: false },
    });
    (this.stateMachine.node.defaultChild as CfnResource).addMetadata(
      WORKFLOW_METADATA_KEY,
      AUDIT_VERIFICATION_WORKFLOW,
    );
    // The Distributed Map starts, reads and stops its own child executions: ARNs ending in wildcards
    // that CDK writes (DistributedMapPolicy, made while the app synthesizes), spelled as cdk-nag does.
    this.stateMachine.node.addValidation({
      validate: () => {
        const id = Stack.of(this).getLogicalId(this.stateMachine.node.defaultChild as CfnResource);
        const name = `{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${id}"}]}]}`;
        for (const tail of [':*', '/*:*'])
          Validations.of(this.stateMachine).acknowledge({
            id: `AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:states:<AWS::Region>:<AWS::AccountId>:execution:${name}${tail}]`,
            reason: "The Distributed Map's child executions of this state machine (CDK's DistributedMapPolicy).",
          });
        return [];
      },
    });
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray (PutTraceSegments) ' +
        'do not support resource-level permissions.',
    });
    acknowledgeWildcardResources(
      this.stateMachine.role,
      Object.values(props.functions).map((fn) => `${fn.functionArn}:*`),
      "lambda:InvokeFunction on the versions and aliases of the job's own task functions (the CDK LambdaInvoke grant).",
    );
  }
}
