/**
 * The privacy-request workflow (Standard): prepare (load, resolve, plan), execute per system in a Map with
 * retries and a catch that records the failure and goes on, finalize. The states are named by the
 * keys of the task table (functions/handlers/tasks/tasks.ts): the local runtime takes this ASL from
 * the synthesized template and runs its own handlers in place of these Lambda tasks, by state name.
 */
import { type CfnResource, Duration, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import { busyErrors, busyRetry, transientErrors, type TaskName } from '#handlers/tasks/tasks.ts';
import { acknowledgeWildcardResources } from './nag.ts';

/** Metadata on the AWS::StepFunctions::StateMachine; infra/synth.ts finds the workflow by it. */
export const WORKFLOW_METADATA_KEY = 'custodian:workflow';
export const PRIVACY_REQUEST_WORKFLOW = 'privacy-request';

export interface PrivacyRequestWorkflowProps {
  /** One function per row of the task table. */
  readonly functions: Record<TaskName, lambda.IFunction>;
  /**
   * Systems executed at once by the Map (each system is a different target, so this bounds our own
   * fan-out, not the load on any one system). An inline Map runs at most 40 iterations at once.
   * @default DEFAULT_MAX_CONCURRENCY (40)
   */
  readonly maxConcurrency?: number;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly logRetention?: logs.RetentionDays;
}

/** CDK context key of the Map's max concurrency (`cdk synth -c custodian:maxConcurrency=25`). */
export const MAX_CONCURRENCY_CONTEXT = 'custodian:maxConcurrency';
/** The inline Map's ceiling: beyond it, a Distributed Map (docs/scaling.md). */
export const INLINE_MAP_MAX_CONCURRENCY = 40;
export const DEFAULT_MAX_CONCURRENCY = INLINE_MAP_MAX_CONCURRENCY;

/** The Map's max concurrency from a context value (a number, or a string from `-c`); undefined: the default. */
export function maxConcurrencyFrom(value: unknown): number {
  if (value === undefined) return DEFAULT_MAX_CONCURRENCY;
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > INLINE_MAP_MAX_CONCURRENCY) {
    throw new Error(
      `${MAX_CONCURRENCY_CONTEXT} must be an integer from 1 to ${INLINE_MAP_MAX_CONCURRENCY} (an inline Map's limit), got ${JSON.stringify(value)}`,
    );
  }
  return n;
}

/** A system's call slots stayed taken (SYSTEM_LIMITS=shared): the step waits here, longer, with jitter. */
export const systemBusyRetry: sfn.RetryProps = {
  errors: [...busyErrors],
  interval: Duration.seconds(busyRetry.intervalSeconds),
  backoffRate: busyRetry.backoffRate,
  maxDelay: Duration.seconds(busyRetry.maxDelaySeconds),
  jitterStrategy: sfn.JitterType.FULL,
  maxAttempts: busyRetry.maxAttempts,
};

/** Retry of the non-system steps: task errors of any kind, three attempts, backing off from 1 s. */
export const stepRetry: sfn.RetryProps = {
  errors: ['States.TaskFailed'],
  interval: Duration.seconds(1),
  backoffRate: 2,
  maxAttempts: 3,
};

export class PrivacyRequestWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PrivacyRequestWorkflowProps) {
    super(scope, id);
    const task = (name: TaskName, payload?: Record<string, unknown>) =>
      new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: props.functions[name],
        // The handler's return value is the state output, not the Lambda API envelope.
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        payload: payload && sfn.TaskInput.fromObject(payload),
      });

    // Input {requestId} -> {requestId, type, terminal, found, systems: [{systemId, mode, waitSeconds, heartbeatSeconds}]}
    const prepareRequest = task('PrepareRequest');
    const finalize = task('Finalize', { requestId: sfn.JsonPath.stringAt('$.requestId') });
    // Every step is idempotent: one that threw midway (a throttled write, a timeout) simply runs again.
    for (const step of [prepareRequest, finalize]) step.addRetry(stepRetry);

    const executeSystem = task('ExecuteSystem');
    executeSystem.addRetry(systemBusyRetry);
    executeSystem.addRetry({
      errors: [...transientErrors],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 4,
    });
    const recordSystemFailure = task('RecordSystemFailure', {
      requestId: sfn.JsonPath.stringAt('$.requestId'),
      systemId: sfn.JsonPath.stringAt('$.systemId'),
      error: sfn.JsonPath.objectAt('$.error'),
    });
    recordSystemFailure.addRetry(stepRetry);
    // A failed system is recorded and the others go on; Finalize decides the overall outcome.
    executeSystem.addCatch(recordSystemFailure, { errors: ['States.ALL'], resultPath: '$.error' });

    // Async systems and manual tasks: the step waits on a task token for the callback or the operator,
    // as long as the system's registration allows (TimeoutSecondsPath; HeartbeatSecondsPath for progress).
    const awaitSystem = new tasks.LambdaInvoke(this, 'AwaitSystem', {
      stateName: 'AwaitSystem',
      lambdaFunction: props.functions.AwaitSystem,
      integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
      payload: sfn.TaskInput.fromObject({
        requestId: sfn.JsonPath.stringAt('$.requestId'),
        systemId: sfn.JsonPath.stringAt('$.systemId'),
        waitSeconds: sfn.JsonPath.numberAt('$.waitSeconds'),
        heartbeatSeconds: sfn.JsonPath.numberAt('$.heartbeatSeconds'),
        taskToken: sfn.JsonPath.taskToken,
      }),
      taskTimeout: sfn.Timeout.at('$.waitSeconds'),
      heartbeatTimeout: sfn.Timeout.at('$.heartbeatSeconds'),
      retryOnServiceExceptions: true,
      resultPath: sfn.JsonPath.DISCARD,
    });
    // Only the asking may be retried; a timeout or a reported failure is the system's answer.
    awaitSystem.addRetry(systemBusyRetry);
    awaitSystem.addRetry({
      errors: [...transientErrors],
      interval: Duration.seconds(2),
      backoffRate: 2,
      maxAttempts: 4,
    });
    awaitSystem.addCatch(recordSystemFailure, { errors: ['States.ALL'], resultPath: '$.error' });
    const byMode = new sfn.Choice(this, 'WaitsForAnswer?', { stateName: 'WaitsForAnswer?' })
      .when(
        sfn.Condition.or(
          sfn.Condition.stringEquals('$.mode', 'callback'),
          sfn.Condition.stringEquals('$.mode', 'operator'),
        ),
        awaitSystem,
      )
      .otherwise(executeSystem);

    const executeSystems = new sfn.Map(this, 'ExecuteSystems', {
      stateName: 'ExecuteSystems',
      itemsPath: sfn.JsonPath.stringAt('$.systems'),
      itemSelector: {
        requestId: sfn.JsonPath.stringAt('$.requestId'),
        systemId: sfn.JsonPath.stringAt('$$.Map.Item.Value.systemId'),
        mode: sfn.JsonPath.stringAt('$$.Map.Item.Value.mode'),
        waitSeconds: sfn.JsonPath.numberAt('$$.Map.Item.Value.waitSeconds'),
        heartbeatSeconds: sfn.JsonPath.numberAt('$$.Map.Item.Value.heartbeatSeconds'),
      },
      maxConcurrency: maxConcurrencyFrom(props.maxConcurrency),
      // The per-system outcomes are in the requests table; the state keeps the plan's output.
      resultPath: sfn.JsonPath.DISCARD,
    });
    executeSystems.itemProcessor(byMode);

    const systemsToRun = new sfn.Choice(this, 'SystemsToRun?', { stateName: 'SystemsToRun?' })
      .when(
        sfn.Condition.and(
          sfn.Condition.booleanEquals('$.terminal', false),
          sfn.Condition.booleanEquals('$.found', true),
        ),
        executeSystems.next(finalize),
      )
      // A re-driven execution of a finished request only re-finalizes (idempotent); no match is a
      // valid outcome ("we hold no data"): finalized and answered like any other.
      .otherwise(finalize);

    this.logGroup = new logs.LogGroup(this, 'Logs', { retention: props.logRetention ?? logs.RetentionDays.ONE_YEAR });
    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(prepareRequest.next(systemsToRun)),
      tracingEnabled: true,
      logs: {
        destination: this.logGroup,
        level: sfn.LogLevel.ALL,
        // Inputs and outputs may carry personal data: the log keeps the events, not the payloads.
        includeExecutionData: false,
      },
    });
    (this.stateMachine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA_KEY, PRIVACY_REQUEST_WORKFLOW);

    // The wildcards CDK's own grants put on the state machine role:
    Validations.of(this.stateMachine.role).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'CloudWatch Logs delivery (logs:CreateLogDelivery and friends) and X-Ray (PutTraceSegments) ' +
        'do not support resource-level permissions.',
    });
    acknowledgeWildcardResources(
      this.stateMachine.role,
      Object.values(props.functions).map((fn) => `${fn.functionArn}:*`),
      "lambda:InvokeFunction on the versions and aliases of the workflow's own task functions (the CDK LambdaInvoke grant).",
    );
  }
}
