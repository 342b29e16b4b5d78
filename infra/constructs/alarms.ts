/**
 * What pages an operator: failed or timed-out privacy-request executions, overdue requests, system
 * steps not answered in time, erroring functions, 5xx from the API. All go to one SNS topic (subscribe the on-call address to it). What each
 * alarm means and what to do: docs/operations.md.
 */
import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import type * as rest from 'aws-cdk-lib/aws-apigateway';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE, metricNames } from '#handlers/middleware/metrics.ts';

export interface CustodianAlarmsProps {
  readonly stateMachine: sfn.IStateMachine;
  /** Function name (the route or task) -> function. */
  readonly functions: Record<string, lambda.IFunction>;
  readonly httpApi: apigw.IHttpApi;
  /** The REST API of the streamed routes (the audit export), when there is one. */
  readonly streamApi?: rest.RestApi;
  /** Failed scheduled invocations. */
  readonly deadLetters: sqs.IQueue;
}

/** Alarm ids, for docs/operations.md and the template test. */
export const alarmNames = {
  executionsFailed: 'PrivacyRequestExecutionsFailed',
  executionsTimedOut: 'PrivacyRequestExecutionsTimedOut',
  api5xx: 'Api5xx',
  streamApi5xx: 'StreamApi5xx',
  deadLetters: 'ScheduledJobDeadLetters',
  requestsOverdue: 'PrivacyRequestsOverdue',
  systemStepsTimedOut: 'SystemStepsTimedOut',
  functionErrors: (name: string) => `FunctionErrors-${name}`,
} as const;

export class CustodianAlarms extends Construct {
  readonly topic: sns.Topic;

  constructor(scope: Construct, id: string, props: CustodianAlarmsProps) {
    super(scope, id);
    // Its own key: CloudWatch must be allowed to use the key of an encrypted topic it publishes to.
    const key = new kms.Key(this, 'TopicKey', { enableKeyRotation: true, description: 'Custodian alarm topic' });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      }),
    );
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'Custodian alarms', masterKey: key, enforceSSL: true });
    const notify = new actions.SnsAction(this.topic);
    const alarm = (name: string, metric: cloudwatch.IMetric, description: string) =>
      new cloudwatch.Alarm(this, name, {
        alarmDescription: `${description} See docs/operations.md#${name.toLowerCase()}.`,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }).addAlarmAction(notify);

    const fiveMinutes = { period: Duration.minutes(5), statistic: 'Sum' };
    const ours = (metricName: string, statistic: string, period: Duration) =>
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName,
        dimensionsMap: { service: METRICS_SERVICE },
        statistic,
        period,
      });
    // The sweeper counts every 15 minutes: any open request past its deadline pages.
    alarm(
      alarmNames.requestsOverdue,
      ours(metricNames.requestsOverdue, 'Maximum', Duration.minutes(15)),
      'An open privacy request is past its legal deadline.',
    );
    alarm(
      alarmNames.systemStepsTimedOut,
      ours(metricNames.systemStepsTimedOut, 'Sum', Duration.minutes(5)),
      'An async system did not call back, or a manual task was not closed, in time.',
    );
    alarm(
      alarmNames.executionsFailed,
      props.stateMachine.metricFailed(fiveMinutes),
      'A privacy-request execution failed: its request is not finished.',
    );
    alarm(
      alarmNames.executionsTimedOut,
      props.stateMachine.metricTimedOut(fiveMinutes),
      'A privacy-request execution timed out.',
    );
    alarm(
      alarmNames.api5xx,
      new cloudwatch.Metric({
        namespace: 'AWS/ApiGateway',
        metricName: '5xx',
        dimensionsMap: { ApiId: props.httpApi.apiId },
        ...fiveMinutes,
      }),
      'The API answered 5xx: a route failed on something other than bad input.',
    );
    if (props.streamApi) {
      alarm(
        alarmNames.streamApi5xx,
        props.streamApi.metricServerError(fiveMinutes),
        "The streaming API (the audit export) answered 5xx before the first byte; a failure after it shows as the function's errors.",
      );
    }
    alarm(
      alarmNames.deadLetters,
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
      'A scheduled job (the daily audit digest) failed after its retries.',
    );
    for (const [name, fn] of Object.entries(props.functions)) {
      alarm(alarmNames.functionErrors(name), fn.metricErrors(fiveMinutes), `The function ${name} threw.`);
    }
  }
}
