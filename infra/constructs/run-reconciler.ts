/**
 * The reconciler of the privacy-request workflow: an EventBridge rule on the state machine's execution
 * status changes (FAILED, TIMED_OUT, ABORTED) invokes a function of ours that leaves the request needing
 * attention with the cause (core/requests/run-failures.ts). It catches what the state machine's own
 * Catch cannot: a timeout of the whole execution, an abort, a Catch step that failed itself.
 */
import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { badExecutionEnds, eventHandlers } from '#handlers/events/events.ts';
import { CustodianFunction, type CustodianFunctionProps } from './functions.ts';

export interface RunReconcilerProps
  extends Pick<CustodianFunctionProps, 'data' | 'serviceVersion' | 'logLevel' | 'sesFrom' | 'holidays'> {
  readonly stateMachine: sfn.IStateMachine;
  /** Invocations that failed after their retries land here (an alarm watches it). */
  readonly deadLetters: sqs.IQueue;
}

export class RunReconciler extends Construct {
  readonly function: CustodianFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: RunReconcilerProps) {
    super(scope, id);
    const { stateMachine, deadLetters, ...common } = props;
    const spec = eventHandlers.WorkflowEnded;
    // Least privilege from its row: the requests table and the audit log, nothing of Step Functions.
    this.function = new CustodianFunction(this, 'WorkflowEnded', {
      ...common,
      kind: 'event',
      handler: spec.handler,
      name: 'WorkflowEnded',
      access: spec,
    });
    this.rule = new events.Rule(this, 'Rule', {
      description: 'Privacy-request executions that ended without Finalize: their requests are reconciled',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: { status: [...badExecutionEnds], stateMachineArn: [stateMachine.stateMachineArn] },
      },
      targets: [
        new targets.LambdaFunction(this.function.fn, {
          deadLetterQueue: deadLetters,
          retryAttempts: 8,
          maxEventAge: Duration.hours(24),
        }),
      ],
    });
  }
}
