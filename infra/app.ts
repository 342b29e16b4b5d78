/**
 * The cloud composition root (cdk.json: `npx tsx infra/app.ts`). Account and region come from the
 * CLI's profile when there is one; without credentials the stacks are env-agnostic and synth works offline.
 * cdk-nag's AwsSolutions pack runs as a validation plugin: an unacknowledged finding fails the synth.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from './custodian.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildApp(app, { env: account || region ? { account, region } : undefined });
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
app.synth();
