/** Local secrets: generated once, random, private to the user, the same on every later start. */
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { devSecrets } from '#infra/local/dev-secrets.ts';

describe('dev secrets', () => {
  it('are generated on first use, kept for the next, readable by the owner only', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'custodian-secrets-')), 'nested', 'dev-secrets.json');
    const first = devSecrets(file);
    expect(first.pepper).toMatch(/^[0-9a-f]{64}$/);
    expect(first.signingSecret).not.toBe(first.pepper);
    expect(devSecrets(file)).toEqual(first);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(devSecrets(path.join(path.dirname(file), 'other.json')).pepper).not.toBe(first.pepper);
  });

  it('refuses a damaged file instead of silently hashing with another pepper', () => {
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'custodian-secrets-')), 'dev-secrets.json');
    writeFileSync(file, '{"pepper":"short"}');
    expect(() => devSecrets(file)).toThrow(/delete it/);
  });
});
