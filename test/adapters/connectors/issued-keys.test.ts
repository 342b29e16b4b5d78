/**
 * Where the keys issued to systems are kept, written and read back through the connector's own lookup:
 * locally one file per key (a rotation keeps the previous key), in AWS Secrets Manager (moto's server
 * here), where a new version moves the one it replaces to AWSPREVIOUS and callbacks take either.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalKeyFiles } from '#adapters/connectors/local-key-files.ts';
import { SecretsManagerKeyVault } from '#adapters/connectors/secrets-manager-keys.ts';
import { SystemSecrets } from '#adapters/connectors/system-secrets.ts';
import { freePort } from '#infra/local/process.ts';

describe('the local key files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'custodian-issued-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('a key put is the only one; a rotation keeps the one it replaced; the lookup reads both, owner-only files', async () => {
    const files = new LocalKeyFiles(path.join(dir, 'keys'));
    const secrets = new SystemSecrets({ files, env: {} });
    expect(await secrets.keys('http', 'systems/crm')).toEqual([]);
    await files.put('systems/crm', 'k1');
    expect(await secrets.value('http', 'systems/crm')).toBe('k1');
    await files.rotate('systems/crm', 'k2');
    expect(await secrets.keys('http', 'systems/crm')).toEqual(['k2', 'k1']);
    await files.rotate('systems/crm', 'k3');
    expect(await secrets.keys('http', 'systems/crm')).toEqual(['k3', 'k2']);
    // A new registration: nothing earlier stays valid.
    await files.put('systems/crm', 'k4');
    expect(await secrets.keys('http', 'systems/crm')).toEqual(['k4']);
    expect(statSync(path.join(dir, 'keys', `${encodeURIComponent('systems/crm')}.json`)).mode & 0o777).toBe(0o600);
    // Not a connection URL's place: SQL references are not looked up there.
    expect(await secrets.value('postgres', 'systems/crm')).toBeUndefined();
  });
});

describe('Secrets Manager (moto)', () => {
  let moto: ChildProcess;
  let client: SecretsManagerClient;
  const prefix = 'custodian/connectors/';

  beforeAll(async () => {
    const port = await freePort();
    moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
    const endpoint = `http://127.0.0.1:${port}`;
    for (let i = 0; ; i++) {
      if (
        await fetch(`${endpoint}/moto-api/`).then(
          (r) => r.ok,
          () => false,
        )
      )
        break;
      if (i > 100) throw new Error('moto_server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    client = new SecretsManagerClient({
      endpoint,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }, 30_000);
  afterAll(() => {
    client?.destroy();
    moto?.kill();
  });

  it('issued under <prefix>http/<ref>, rotated to a new version: the lookup finds the current and AWSPREVIOUS', async () => {
    const vault = new SecretsManagerKeyVault(client, prefix);
    const secrets = () => new SystemSecrets({ prefix, client, env: {} });
    await vault.put('systems/vendor', 'issued-1');
    expect(await secrets().keys('http', 'systems/vendor')).toEqual(['issued-1']);
    await vault.rotate('systems/vendor', 'issued-2');
    expect(await secrets().keys('http', 'systems/vendor')).toEqual(['issued-2', 'issued-1']);
    expect(await secrets().value('http', 'systems/vendor')).toBe('issued-2');
  });
});
