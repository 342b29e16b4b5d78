/**
 * cfn-lint (1.51.0, on the PATH like moto_server) over both synthesized templates: no error, and every
 * warning class either fixed or listed here with its reason. A new finding fails the suite.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { synthTemplates } from '#infra/synth.ts';

/** Warning classes kept, each for a reason. */
const accepted: Record<string, string> = {
  W3005:
    "CDK puts a function's role into DependsOn beside its default policy (the policy must exist before the function runs); the role is also a GetAtt there, so one of the two is redundant, never wrong.",
};

interface Finding {
  Rule: { Id: string };
  Level: 'Error' | 'Warning' | 'Informational';
  Message: string;
  Filename: string;
  Location: { Path: (string | number)[] };
}

let dir: string;
let findings: Finding[];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'custodian-cfn-lint-'));
  const { stateful, stateless, alarms } = synthTemplates();
  const files = Object.entries({ stateful, stateless, alarms }).map(([name, t]) => {
    const file = path.join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(t));
    return file;
  });
  // Exit codes 2/4/8 say errors/warnings/informational were found: the JSON on stdout is the answer.
  const out = await promisify(execFile)('cfn-lint', ['--format', 'json', ...files], { maxBuffer: 64 << 20 }).catch(
    (err: { code?: number | string; stdout?: string; message: string }) => {
      if (typeof err.code === 'number' && err.code > 0 && err.code < 32 && err.stdout) return { stdout: err.stdout };
      throw new Error(
        `cfn-lint did not run (is cfn-lint 1.51.0 installed? pip install cfn-lint==1.51.0): ${err.message}`,
      );
    },
  );
  findings = JSON.parse(out.stdout || '[]');
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const summary = (f: Finding) => `${f.Rule.Id} ${path.basename(f.Filename)} ${f.Location.Path.join('/')}: ${f.Message}`;

describe('cfn-lint on the synthesized templates', () => {
  it('finds no error', () => {
    expect(findings.filter((f) => f.Level === 'Error').map(summary)).toEqual([]);
  });

  it('finds no warning outside the accepted classes', () => {
    expect(findings.filter((f) => !(f.Rule.Id in accepted)).map(summary)).toEqual([]);
  });

  it('the web access-log bucket is granted by policy, not the legacy AccessControl ACL (W3045 fixed)', () => {
    expect(findings.filter((f) => f.Rule.Id === 'W3045').map(summary)).toEqual([]);
  });
});
