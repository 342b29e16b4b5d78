/**
 * The stateless stack: functions, the workflow and the HTTP API, all derived from the two tables
 * that are their single source of truth: the route table (functions/handlers/http/routes.ts) and
 * the task table (functions/handlers/tasks/tasks.ts). Safe to destroy and redeploy.
 */
import { Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { Config } from '#functions/config.ts';
import { routeTable, type RouteSpec } from '#handlers/http/routes.ts';
import {
  auditVerificationTasks,
  workflowTasks,
  type AuditVerificationTaskName,
  type TaskName,
  type TaskSpec,
} from '#handlers/tasks/tasks.ts';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { scheduledJobs } from '#handlers/scheduled/jobs.ts';
import { Duration, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { CustodianAlarmsProps } from '../constructs/alarms.ts';
import { CustodianApi } from '../constructs/api.ts';
import { pascal } from '../constructs/names.ts';
import { CustodianFunction, taskResponseActions, type DataResources } from '../constructs/functions.ts';
import { CustodianIdentity } from '../constructs/identity.ts';
import { PrivacyRequestWorkflow } from '../constructs/workflow.ts';
import { EcifLoadWorkflow } from '../constructs/ecif-load.ts';
import { loadTasks, type LoadTaskName } from '#handlers/tasks/load-tasks.ts';
import { RunReconciler } from '../constructs/run-reconciler.ts';
import { AuditVerificationWorkflow } from '../constructs/audit-verification.ts';
import { CustodianWeb } from '../constructs/web.ts';

const isStreamed = (spec: RouteSpec) => spec.stream === true;

export interface StatelessStackProps extends StackProps {
  readonly data: DataResources;
  readonly identity: CustodianIdentity;
  /** SERVICE_VERSION of every function. */
  readonly serviceVersion: string;
  /** @default 'info' */
  readonly logLevel?: NonNullable<Config['LOG_LEVEL']>;
  /** The verified SES sender of requester notices. @default 'privacy@example.com' */
  readonly sesFrom?: string;
  /** Public holidays for deadlines (`YYYY-MM-DD,...`). */
  readonly holidays?: string;
  /** The token claim of a customer's ecifId (CUSTOMER_ID_CLAIM). @default `custom:ecifId` */
  readonly customerIdClaim?: string;
  /** The deployment decision tokens name as their audience (context `custodian:deployment`). */
  readonly deployment?: string;
  /** Systems executed at once per request. @default 40 */
  readonly maxConcurrency?: number;
  /** Where the web pages send people to sign in. @default the pool's hosted sign-in for the pages' own client (implicit grant) */
  readonly webSignInUrl?: string;
}

export class StatelessStack extends Stack {
  readonly tasks: Record<TaskName, CustodianFunction>;
  readonly routes: Record<string, CustodianFunction>;
  readonly workflow: PrivacyRequestWorkflow;
  readonly ecifLoad: EcifLoadWorkflow;
  readonly loadTasks: Record<LoadTaskName, CustodianFunction['fn']>;
  readonly auditTasks: Record<AuditVerificationTaskName, CustodianFunction>;
  readonly auditVerification: AuditVerificationWorkflow;
  readonly api: CustodianApi;
  /** The privacy center and the console (S3 behind CloudFront). */
  readonly web: CustodianWeb;
  /** The pages' client of the user pool (hosted sign-in, implicit grant, back to the pages only). */
  readonly webClient: cognito.UserPoolClient;
  /** What the alarms stack watches (infra/stacks/alarms.ts). */
  readonly alarmed: CustodianAlarmsProps;
  readonly jobs: Record<string, CustodianFunction>;
  /** Scheduled invocations that failed after their retries land here (an alarm watches it). */
  readonly deadLetters: sqs.Queue;
  /** Where `consent.changed` is published. */
  readonly consentBus: events.EventBus;
  /** Executions that end badly leave their requests needing attention. */
  readonly runReconciler: RunReconciler;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const common = {
      data: props.data,
      serviceVersion: props.serviceVersion,
      logLevel: props.logLevel,
      sesFrom: props.sesFrom,
      holidays: props.holidays,
      deployment: props.deployment,
    };
    const issuer = props.identity.issuerUrl;
    this.web = new CustodianWeb(this, 'Web');
    // People sign in on the pages through Cognito's hosted sign-in: a client of the pool that knows the
    // pages' URL (here, where the URL is; the pool and its other clients live in the stateful stack).
    this.webClient = new cognito.UserPoolClient(this, 'WebSignInClient', {
      userPool: props.identity.userPool,
      generateSecret: false,
      ...CustodianIdentity.peopleAttributes(),
      supportedIdentityProviders: [cognito.UserPoolClientIdentityProvider.COGNITO],
      oAuth: {
        // The pages are static: the token comes back in the URL fragment, for this tab's `state` only.
        flows: { implicitCodeGrant: true },
        scopes: [cognito.OAuthScope.OPENID, cognito.OAuthScope.EMAIL],
        callbackUrls: [`${this.web.url}/`, `${this.web.url}/console`],
        logoutUrls: [`${this.web.url}/`],
      },
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
    });
    const audiences = [...props.identity.audiences, this.webClient.userPoolClientId];
    const hostedSignIn =
      `${props.identity.domain.baseUrl()}/oauth2/authorize?response_type=token&scope=openid+email` +
      `&client_id=${this.webClient.userPoolClientId}&redirect_uri=${this.web.url}/`;

    const taskScope = new Construct(this, 'Tasks');
    const tasks = {} as Record<TaskName, CustodianFunction>;
    for (const [name, spec] of Object.entries(workflowTasks) as [TaskName, (typeof workflowTasks)[TaskName]][]) {
      tasks[name] = new CustodianFunction(taskScope, name, {
        ...common,
        kind: 'task',
        handler: spec.handler,
        name,
        access: spec,
      });
    }
    this.tasks = tasks;

    this.workflow = new PrivacyRequestWorkflow(this, 'PrivacyRequestWorkflow', {
      functions: Object.fromEntries(Object.entries(tasks).map(([name, f]) => [name, f.fn])) as Record<
        TaskName,
        CustodianFunction['fn']
      >,
      maxConcurrency: props.maxConcurrency,
    });

    // The ECIF bulk load: its own tasks and state machine (a Distributed Map over the staged file).
    const loadScope = new Construct(this, 'EcifLoadTasks');
    const loadFunctions = {} as Record<LoadTaskName, CustodianFunction['fn']>;
    for (const [name, spec] of Object.entries(loadTasks) as [LoadTaskName, (typeof loadTasks)[LoadTaskName]][]) {
      loadFunctions[name] = new CustodianFunction(loadScope, name, {
        ...common,
        kind: 'task',
        handler: spec.handler,
        name,
        access: spec,
        // Staging streams the whole file once: 10 million lines take minutes, not seconds.
        timeout: name === 'PrepareLoad' ? Duration.minutes(15) : Duration.minutes(5),
        memorySize: name === 'LoadBatch' ? 1024 : undefined,
      }).fn;
    }
    this.loadTasks = loadFunctions;
    this.ecifLoad = new EcifLoadWorkflow(this, 'EcifLoadWorkflow', {
      functions: loadFunctions,
      bucket: props.data.reportBucket,
    });

    const auditTasks = {} as Record<AuditVerificationTaskName, CustodianFunction>;
    for (const [name, spec] of Object.entries(auditVerificationTasks) as [AuditVerificationTaskName, TaskSpec][]) {
      auditTasks[name] = new CustodianFunction(taskScope, name, {
        ...common,
        kind: 'task',
        handler: spec.handler,
        name,
        access: spec,
        timeout: Duration.seconds(spec.timeoutSeconds ?? 60),
        // A day's events pass through one page at a time; the day's digest and stream list stay.
        memorySize: 1024,
      });
    }
    this.auditTasks = auditTasks;
    this.auditVerification = new AuditVerificationWorkflow(this, 'AuditVerification', {
      functions: Object.fromEntries(Object.entries(auditTasks).map(([name, f]) => [name, f.fn])) as Record<
        AuditVerificationTaskName,
        CustodianFunction['fn']
      >,
    });

    // A separate policy, not the role's default one: the function must not depend on the state machine
    // that depends on it.
    for (const [name, spec] of Object.entries(workflowTasks) as [TaskName, TaskSpec][]) {
      if (!spec.answersTasks) continue;
      new iam.Policy(taskScope, `${name}TaskResponse`, {
        roles: [tasks[name].role],
        statements: [
          new iam.PolicyStatement({
            actions: [...taskResponseActions],
            resources: [this.workflow.stateMachine.stateMachineArn],
          }),
        ],
      });
    }

    // consent.changed goes out on its own bus: subscribers add their rules to it.
    this.consentBus = new events.EventBus(this, 'ConsentEvents', {
      description: 'Custodian consent.changed events (ids and choices, no personal data)',
    });

    const routeScope = new Construct(this, 'Http');
    this.routes = {};
    for (const spec of routeTable) {
      this.routes[spec.handler] = new CustodianFunction(routeScope, pascal(spec.handler), {
        ...common,
        kind: 'http',
        handler: spec.handler,
        name: spec.handler,
        access: spec,
        stateMachine: this.workflow.stateMachine,
        loadStateMachine: this.ecifLoad.stateMachine,
        auditVerification: this.auditVerification.stateMachine,
        consentBus: this.consentBus,
        // Public routes verify an optional bearer token themselves, against the pool's keys; streamed
        // routes (behind the REST API, no authorizer there) verify the required one the same way, and
        // add the CORS headers the REST API does not.
        environment: {
          // Where the deployment declares another claim for a customer's ecifId (docs/deploy.md).
          ...(props.customerIdClaim ? { CUSTOMER_ID_CLAIM: props.customerIdClaim } : {}),
          ...(spec.auth === 'public' || isStreamed(spec)
            ? {
                JWT_ISSUER: issuer,
                JWKS_URL: `${issuer}/.well-known/jwks.json`,
                JWT_AUDIENCE: Fn.join(',', audiences),
                ...(isStreamed(spec) ? { CORS_ALLOW_ORIGINS: this.web.url } : {}),
              }
            : {}),
        },
        // A streamed response may run as long as API Gateway streams one (15 minutes).
        ...(isStreamed(spec) ? { timeout: Duration.minutes(15) } : {}),
      });
    }

    this.api = new CustodianApi(this, 'Api', {
      jwtIssuer: issuer,
      jwtAudience: audiences,
      routes: routeTable.map((spec) => ({ spec, fn: this.routes[spec.handler].fn })),
      corsAllowOrigins: [this.web.url],
    });
    this.web.publish({
      apiUrl: this.api.stage.url,
      exportApiUrl: this.api.streamApi?.url,
      signIn: { mode: 'cognito', url: props.webSignInUrl ?? hostedSignIn },
    });

    const jobScope = new Construct(this, 'Scheduled');
    this.deadLetters = new sqs.Queue(jobScope, 'DeadLetters', {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of the scheduled jobs and the run reconciler; an alarm watches it.',
    });
    this.jobs = {};
    for (const [name, spec] of Object.entries(scheduledJobs)) {
      const job = new CustodianFunction(jobScope, name, {
        ...common,
        kind: 'scheduled',
        handler: spec.handler,
        name,
        access: spec,
        timeout: Duration.minutes(5),
        stateMachine: this.workflow.stateMachine,
      });
      new events.Rule(jobScope, `${name}Schedule`, {
        schedule: events.Schedule.expression(spec.schedule),
        targets: [
          new targets.LambdaFunction(job.fn, {
            deadLetterQueue: this.deadLetters,
            retryAttempts: 2,
            maxEventAge: Duration.hours(6),
          }),
        ],
      });
      this.jobs[name] = job;
    }

    this.runReconciler = new RunReconciler(this, 'RunReconciler', {
      ...common,
      stateMachine: this.workflow.stateMachine,
      deadLetters: this.deadLetters,
    });

    this.alarmed = {
      deadLetters: this.deadLetters,
      stateMachine: this.workflow.stateMachine,
      functions: Object.fromEntries([
        // Prefixed: a route and a job may share a name (audit-digest).
        ...Object.entries(this.tasks).map(([name, f]) => [`Task${name}`, f.fn]),
        ...Object.entries(this.loadTasks).map(([name, fn]) => [`Task${name}`, fn]),
        ...Object.entries(this.auditTasks).map(([name, f]) => [`Task${name}`, f.fn]),
        ...Object.entries(this.routes).map(([name, f]) => [`Http${pascal(name)}`, f.fn]),
        ...Object.entries(this.jobs).map(([name, f]) => [`Job${name}`, f.fn]),
        ['EventWorkflowEnded', this.runReconciler.function.fn],
      ]),
      httpApi: this.api.httpApi,
      streamApi: this.api.streamApi,
    };
  }
}
