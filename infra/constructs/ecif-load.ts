/**
 * The ECIF bulk load (Standard): PrepareLoad stages the file as JSONL with line numbers, a Distributed
 * Map reads the staged object from the report bucket in batches (no Lambda holds the file) and runs
 * LoadBatch per batch as child executions, FinishLoad writes the reject file. A failed Map still ends in
 * FinishLoad, which marks the job failed. Batches are idempotent (recorded once, unchanged lines write
 * nothing), so a redriven Map run or a retried child changes nothing twice. Locally the same ASL runs on
 * aws-local-stepfunctions, which has no ItemReader: infra/local/item-reader.ts reads the staged object
 * and hands the same batches to the same Map inline.
 */
import { type CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';
import type { LoadTaskName } from '#handlers/tasks/load-tasks.ts';
import { acknowledgeWildcardResources, flattenCfnValue } from './nag.ts';
import { stepRetry, WORKFLOW_METADATA_KEY } from './workflow.ts';

export const ECIF_LOAD_WORKFLOW = 'ecif-load';
/** Records per child execution: one LoadBatch invocation (a few transactions of 100 index items, batch writes). */
export const LOAD_BATCH_RECORDS = 250;
/**
 * Child executions at once. A batch of 250 takes about 1-1.5 s in AWS; 20 at once is about 3,300 records a
 * second, about 36,000 write units a second: under a table's default 40,000 (docs/scaling.md, the ECIF load).
 */
export const LOAD_MAP_CONCURRENCY = 20;

export interface EcifLoadWorkflowProps {
  readonly functions: Record<LoadTaskName, lambda.IFunction>;
  readonly bucket: s3.IBucket;
  /** @default LOAD_MAP_CONCURRENCY */
  readonly maxConcurrency?: number;
}

export class EcifLoadWorkflow extends Construct {
  readonly stateMachine: sfn.StateMachine;

  constructor(scope: Construct, id: string, props: EcifLoadWorkflowProps) {
    super(scope, id);
    const task = (name: LoadTaskName, payload?: Record<string, unknown>) => {
      const t = new tasks.LambdaInvoke(this, name, {
        stateName: name,
        lambdaFunction: props.functions[name],
        payloadResponseOnly: true,
        retryOnServiceExceptions: true,
        payload: payload && sfn.TaskInput.fromObject(payload),
      });
      return t.addRetry(stepRetry);
    };

    // {jobId} -> {jobId, bucket, staged}
    const prepare = task('PrepareLoad');
    const loadBatch = task('LoadBatch');
    const finish = task('FinishLoad', {
      jobId: sfn.JsonPath.stringAt('$.jobId'),
      error: sfn.JsonPath.objectAt('$.error'),
    });
    // One FinishLoad for both ends: after the Map, `error` is {} (a falsy Result is not passed on locally);
    // after a failed Map, what the Catch caught ({Error, Cause}).
    const loaded = new sfn.Pass(this, 'Loaded', {
      stateName: 'Loaded',
      result: sfn.Result.fromObject({}),
      resultPath: '$.error',
    });

    const batches = new sfn.DistributedMap(this, 'LoadBatches', {
      stateName: 'LoadBatches',
      // The bucket by path (PrepareLoad answers it): no cross-stack token in the definition; granted below.
      itemReader: new sfn.S3JsonLItemReader({
        bucketNamePath: sfn.JsonPath.stringAt('$.bucket'),
        key: sfn.JsonPath.stringAt('$.staged'),
      }),
      itemBatcher: new sfn.ItemBatcher({
        maxItemsPerBatch: LOAD_BATCH_RECORDS,
        // A key ending in .$ is a path (ItemBatcher's BatchInput takes the object as given).
        batchInput: { 'jobId.$': '$.jobId' },
      }),
      maxConcurrency: props.maxConcurrency ?? LOAD_MAP_CONCURRENCY,
      mapExecutionType: sfn.StateMachineType.STANDARD,
      // Counts and rejects are in the job's batch items: nothing comes back through the state.
      resultPath: sfn.JsonPath.DISCARD,
    });
    batches.itemProcessor(loadBatch);
    batches.addCatch(finish, { errors: ['States.ALL'], resultPath: '$.error' });

    this.stateMachine = new sfn.StateMachine(this, 'StateMachine', {
      stateMachineType: sfn.StateMachineType.STANDARD,
      definitionBody: sfn.DefinitionBody.fromChainable(prepare.next(batches).next(loaded).next(finish)),
      timeout: Duration.hours(6),
      tracingEnabled: true,
      logs: {
        destination: new logs.LogGroup(this, 'Logs', { retention: logs.RetentionDays.ONE_YEAR }),
        level: sfn.LogLevel.ALL,
        // Batches carry customer records: the log keeps the events, not the payloads.
        includeExecutionData: false,
      },
    });
    (this.stateMachine.node.defaultChild as CfnResource).addMetadata(WORKFLOW_METADATA_KEY, ECIF_LOAD_WORKFLOW);
    // The Map reads the staged files only (imports/jobs/<id>/staged.jsonl), and decrypts them with the data key.
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({ actions: ['s3:GetObject'], resources: [props.bucket.arnForObjects('imports/jobs/*')] }),
    );
    props.bucket.encryptionKey?.grantDecrypt(this.stateMachine);
    this.acknowledgeWildcards(props);
  }

  /** The wildcards CDK's own grants put on the state machine's role and on its Distributed Map policy. */
  private acknowledgeWildcards(props: EcifLoadWorkflowProps): void {
    const sm = this.stateMachine;
    Validations.of(sm).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'CloudWatch Logs delivery and X-Ray (PutTraceSegments) do not support resource-level permissions.',
    });
    acknowledgeWildcardResources(
      sm,
      [
        ...Object.values(props.functions).map((fn) => `${fn.functionArn}:*`),
        props.bucket.arnForObjects('imports/jobs/*'),
      ],
      "lambda:InvokeFunction on the versions of the load's own task functions; s3:GetObject on the staged load files only.",
    );
    // The Distributed Map runs its batches as child executions of this state machine (CDK's own policy).
    sm.node.addValidation({
      validate: () => {
        const policy = sm.node.tryFindChild('DistributedMapPolicy') as iam.Policy | undefined;
        const doc =
          policy && (Stack.of(sm).resolve(policy.document.toJSON()) as { Statement: { Resource: unknown }[] });
        for (const statement of doc?.Statement ?? []) {
          for (const resource of [statement.Resource].flat()) {
            Validations.of(sm).acknowledge({
              id: `AwsSolutions-IAM5[Resource::${flattenCfnValue(resource)}]`,
              reason: "The Distributed Map's child executions of this state machine (CDK's DistributedMapPolicy).",
            });
          }
        }
        return [];
      },
    });
  }
}
