/**
 * cdk-nag AwsSolutions over both stacks: no unacknowledged finding. Acknowledgements are made in the
 * constructs, each with its reason, and name the exact finding (a new wildcard still fails).
 * Also CDK's built-in CloudFormation validation, which `cdk synth` runs and synthTemplates skips.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PolicyValidationPluginReport } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildApp } from '#infra/custodian.ts';
import { unbundledApp } from '#infra/synth.ts';

const dirs: string[] = [];
let cfnValidation: { pluginReports: { pluginName: string; violations?: unknown[] }[] };

function check(mutate?: (stacks: ReturnType<typeof buildApp>) => void): PolicyValidationPluginReport {
  const dir = mkdtempSync(path.join(tmpdir(), 'custodian-nag-'));
  dirs.push(dir);
  const app = unbundledApp(dir, { validate: !mutate });
  const stacks = buildApp(app);
  mutate?.(stacks);
  app.synth();
  if (!mutate) cfnValidation = JSON.parse(readFileSync(path.join(dir, 'validation-report.json'), 'utf8'));
  return new AwsSolutionsChecks(app, { verbose: true }).validateScope(app);
}

const describeViolations = (report: PolicyValidationPluginReport) =>
  report.violations
    .map(
      (v) =>
        `${v.ruleName} (${v.severity}): ${v.violatingResources.map((r) => r.constructPath).join(', ')}\n  ${v.description}`,
    )
    .join('\n');

let report: PolicyValidationPluginReport;
beforeAll(() => {
  report = check();
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('CloudFormation validation (built into CDK)', () => {
  it('reports nothing on either template', () => {
    expect(
      cfnValidation.pluginReports.flatMap((r) => (r.violations ?? []).map((v) => ({ plugin: r.pluginName, v }))),
    ).toEqual([]);
  });
});

describe('cdk-nag AwsSolutions', () => {
  it('finds nothing unacknowledged in either stack (errors or warnings)', () => {
    expect(describeViolations(report)).toBe('');
    expect(report.success).toBe(true);
  });

  it('still reports a wildcard nobody acknowledged', () => {
    const mutated = check(({ stateless }) => {
      stateless.routes.health.role.addToPolicy(
        new iam.PolicyStatement({ actions: ['dynamodb:Scan'], resources: ['*'] }),
      );
    });
    expect(mutated.success).toBe(false);
    expect(mutated.violations.map((v) => v.ruleName)).toContain('AwsSolutions-IAM5[Resource::*]');
  });
});
