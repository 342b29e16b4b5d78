/**
 * The cloud composition root (cdk.json: `npx tsx infra/app.ts`). Account and region come from the
 * CLI's profile when there is one; without credentials the stacks are env-agnostic and synth works offline.
 */
import { App } from 'aws-cdk-lib';
import { buildApp } from './custodian.ts';

const app = new App();
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;
buildApp(app, { env: account || region ? { account, region } : undefined });
app.synth();
