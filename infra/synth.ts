/**
 * In-process synthesis for the local runtime and the tests: the same stacks as `cdk synth`, without
 * bundling the functions (no esbuild, no Docker), offline, with no credentials. Also turns the
 * privacy-request state machine of the template into plain ASL for aws-local-stepfunctions.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import type { CfnTemplate } from './local/dynamodb.ts';
import { buildApp, type BuildAppOptions } from './custodian.ts';
import { PRIVACY_REQUEST_WORKFLOW, WORKFLOW_METADATA_KEY } from './constructs/workflow.ts';

export type { CfnTemplate };

export interface CustodianTemplates {
  stateful: CfnTemplate;
  stateless: CfnTemplate;
  alarms: CfnTemplate;
}

/**
 * An App that skips asset bundling (the handlers are not built, only referenced).
 * The built-in CloudFormation validation (a WASM engine) costs seconds per synth: off unless
 * `validate` is set. `cdk synth` and the infra tests (test/infra/nag.test.ts) keep it; the local
 * runtime and the integration tests do not need it.
 */
export function unbundledApp(outdir: string, opts: { validate?: boolean } = {}): App {
  return new App({
    outdir,
    context: { 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: opts.validate ?? false,
  });
}

/** Synthesizes the stacks in process, synchronously; the cloud assembly goes to a temp dir that is removed. */
export function synthTemplates(opts: BuildAppOptions = {}): CustodianTemplates {
  const outdir = mkdtempSync(path.join(tmpdir(), 'custodian-cdk-'));
  try {
    const app = unbundledApp(outdir);
    const { stateful, stateless, alarms } = buildApp(app, opts);
    const assembly = app.synth();
    return {
      stateful: assembly.getStackArtifact(stateful.artifactId).template as CfnTemplate,
      stateless: assembly.getStackArtifact(stateless.artifactId).template as CfnTemplate,
      alarms: assembly.getStackArtifact(alarms.artifactId).template as CfnTemplate,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Values for the pseudo parameters a definition may reference (the local runtime's account and region). */
const pseudoParameters: Record<string, string> = {
  'AWS::Partition': 'aws',
  'AWS::Region': 'us-east-1',
  'AWS::AccountId': '000000000000',
  'AWS::URLSuffix': 'amazonaws.com',
};

/** A deterministic, valid-looking Lambda ARN for a resource of the template. */
export function fakeLambdaArn(logicalId: string): string {
  return `arn:aws:lambda:us-east-1:000000000000:function:${logicalId}`;
}

function resolveToken(token: unknown): string {
  if (typeof token === 'string') return token;
  if (token && typeof token === 'object') {
    const t = token as Record<string, unknown>;
    if (typeof t.Ref === 'string') return pseudoParameters[t.Ref] ?? fakeLambdaArn(t.Ref);
    const getAtt = t['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return fakeLambdaArn(getAtt[0]);
    if (typeof getAtt === 'string') return fakeLambdaArn(getAtt.split('.')[0]);
  }
  throw new Error(`unsupported token in the state machine definition: ${JSON.stringify(token)}`);
}

/** Turns a DefinitionString (a string, or an Fn::Join of strings and tokens) into the ASL text. */
function definitionText(definitionString: unknown): string {
  if (typeof definitionString === 'string') return definitionString;
  const join = (definitionString as Record<string, unknown> | undefined)?.['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    return (join[1] as unknown[]).map(resolveToken).join(join[0]);
  }
  throw new Error(`unsupported DefinitionString: ${JSON.stringify(definitionString)?.slice(0, 200)}`);
}

/**
 * The privacy-request workflow of a synthesized stateless template as a plain ASL object.
 * Lambda ARNs (Fn::GetAtt / Ref tokens) become `arn:aws:lambda:us-east-1:000000000000:function:<logicalId>`;
 * the local runtime replaces Task states by state name anyway.
 */
export function extractWorkflowDefinition(
  template: CfnTemplate,
  workflow: string = PRIVACY_REQUEST_WORKFLOW,
): { definition: object; logicalId: string } {
  const found = Object.entries(template.Resources ?? {}).filter(
    ([, r]) => r.Type === 'AWS::StepFunctions::StateMachine' && r.Metadata?.[WORKFLOW_METADATA_KEY] === workflow,
  );
  if (found.length !== 1) {
    throw new Error(
      `expected one state machine with metadata ${WORKFLOW_METADATA_KEY}=${workflow}, found ${found.length}`,
    );
  }
  const [logicalId, resource] = found[0];
  const props = resource.Properties ?? {};
  const text =
    props.DefinitionString !== undefined ? definitionText(props.DefinitionString) : JSON.stringify(props.Definition);
  return { definition: JSON.parse(text) as object, logicalId };
}
