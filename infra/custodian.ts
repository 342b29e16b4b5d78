/**
 * Builds the Custodian cloud app: the stateful stack (data, identities; retained), the stateless
 * stack (functions, workflow, API) and the alarms stack (what pages the operator about the stateless one). Used by infra/app.ts (cdk synth/deploy), infra/synth.ts (the
 * local runtime's templates) and the infra tests, so all three see the same stacks.
 */
import { readFileSync } from 'node:fs';
import type { App, Environment } from 'aws-cdk-lib';
import type { Config } from '#functions/config.ts';
import { MAX_CONCURRENCY_CONTEXT, maxConcurrencyFrom } from './constructs/workflow.ts';
import { StatefulStack } from './stacks/stateful.ts';
import { StatelessStack } from './stacks/stateless.ts';
import { AlarmsStack } from './stacks/alarms.ts';

export const STATEFUL_STACK = 'CustodianStateful';
export const STATELESS_STACK = 'CustodianStateless';
export const ALARMS_STACK = 'CustodianAlarms';

export interface BuildAppOptions {
  /** @default env-agnostic (account and region resolved at deploy time) */
  readonly env?: Environment;
  /** @default the version in package.json */
  readonly serviceVersion?: string;
  /** @default 'info' */
  readonly logLevel?: NonNullable<Config['LOG_LEVEL']>;
  /** @default context `custodian:sesFrom`, else 'privacy@example.com' */
  readonly sesFrom?: string;
  /** Systems the workflow's Map executes at once. @default context `custodian:maxConcurrency`, else 40 */
  readonly maxConcurrency?: number;
}

export interface CustodianStacks {
  readonly stateful: StatefulStack;
  readonly stateless: StatelessStack;
  readonly alarms: AlarmsStack;
}

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Context key of the cross-stack reference strength (see the aws-cdk-lib README, "Reference strength"). */
const REFERENCE_STRENGTH = '@aws-cdk/core:defaultCrossStackReferences';

export function buildApp(app: App, opts: BuildAppOptions = {}): CustodianStacks {
  // Strong (Fn::ImportValue): CloudFormation refuses to remove a table or key export while the
  // stateless stack still uses it. Said explicitly unless cdk.json or --context chose otherwise.
  if (app.node.tryGetContext(REFERENCE_STRENGTH) === undefined) app.node.setContext(REFERENCE_STRENGTH, 'strong');
  const stateful = new StatefulStack(app, STATEFUL_STACK, {
    env: opts.env,
    description: 'Custodian data: KMS key, DynamoDB tables, report bucket, pepper, user pool (retained)',
  });
  const stateless = new StatelessStack(app, STATELESS_STACK, {
    env: opts.env,
    description: 'Custodian compute: HTTP API, Lambda functions, privacy-request workflow',
    data: stateful.data,
    identity: stateful.identity,
    serviceVersion: opts.serviceVersion ?? packageVersion(),
    logLevel: opts.logLevel,
    sesFrom: opts.sesFrom ?? (app.node.tryGetContext('custodian:sesFrom') as string | undefined),
    holidays: app.node.tryGetContext('custodian:holidays') as string | undefined,
    customerIdClaim: app.node.tryGetContext('custodian:customerIdClaim') as string | undefined,
    deployment: app.node.tryGetContext('custodian:deployment') as string | undefined,
    maxConcurrency: maxConcurrencyFrom(opts.maxConcurrency ?? app.node.tryGetContext(MAX_CONCURRENCY_CONTEXT)),
    webSignInUrl: app.node.tryGetContext('custodian:webSignInUrl') as string | undefined,
  });
  const alarms = new AlarmsStack(app, ALARMS_STACK, {
    env: opts.env,
    description: 'Custodian alarms: what pages an operator about the compute stack',
    ...stateless.alarmed,
  });
  return { stateful, stateless, alarms };
}
