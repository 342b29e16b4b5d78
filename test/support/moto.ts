/**
 * moto's server (moto 5.2.1, `moto_server`) on a free loopback port: the AWS services that run only
 * in AWS (Cognito, SES v2, EventBridge, SQS, Secrets Manager, S3, KMS, CloudFormation, SSM) emulated
 * for a test file. The project's adapters reach it through the SDK's own endpoint variables
 * (AWS_ENDPOINT_URL_<SERVICE>), exactly as they reach DynamoDB Local: nothing is written twice.
 * DynamoDB and Step Functions stay on DynamoDB Local and aws-local-stepfunctions: `pointSdkAtMoto`
 * never sets their variables.
 *
 *   const moto = await startMoto();          // beforeAll: one server per test file at most
 *   pointSdkAtMoto(moto);                    // the handlers' SDK clients now reach it
 *   new SQSClient(moto.clientConfig);        // a test's own client
 *   await moto.stop();                       // afterAll
 *
 * Where `moto_server` is not on the PATH (a laptop), the pinned `moto[server]==5.2.1` is installed
 * with the machine's pip first; where that cannot run either, the error names what to install.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { freePort, onProcessExit } from '#infra/local/process.ts';

export const MOTO_VERSION = '5.2.1';

/** The SDK service ids moto answers for here, as they appear in AWS_ENDPOINT_URL_<ID>. */
export const MOTO_SERVICES = [
  'COGNITO_IDENTITY_PROVIDER',
  'SESV2',
  'SES',
  'EVENTBRIDGE',
  'SQS',
  'SECRETS_MANAGER',
  'S3',
  'KMS',
  'CLOUDFORMATION',
  'SSM',
  'STS',
  'IAM',
] as const;

export interface Moto {
  endpoint: string;
  port: number;
  /** A client config for a test's own SDK clients (path-style S3 for the emulator's buckets). */
  clientConfig: {
    endpoint: string;
    region: string;
    credentials: { accessKeyId: string; secretAccessKey: string };
    forcePathStyle: boolean;
  };
  /** AWS_ENDPOINT_URL_<SERVICE> for every service in MOTO_SERVICES, plus region and dummy credentials. */
  env: Record<string, string>;
  /** Forgets every resource moto holds (moto's own reset API). */
  reset(): Promise<void>;
  stop(): Promise<void>;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The command that starts moto's server: `moto_server`, else `python3 -m moto.server` once pip installed it. */
function motoCommand(): { cmd: string; args: string[] } {
  // Looked up on the PATH without running it: a pyenv shim takes seconds to start on a busy machine.
  const onPath = (process.env.PATH ?? '').split(delimiter).some((dir) => isExecutable(join(dir, 'moto_server')));
  if (onPath) return { cmd: 'moto_server', args: [] };
  const python = ['python3', 'python'].find((p) => spawnSync(p, ['--version'], { stdio: 'ignore' }).status === 0);
  const hint = `install it: pip install 'moto[server]==${MOTO_VERSION}' (Python 3.9+), then run the tests again`;
  if (!python) throw new Error(`moto_server is not on the PATH and no Python was found; ${hint}`);
  const hasModule = () => spawnSync(python, ['-c', 'import moto.server'], { stdio: 'ignore' }).status === 0;
  if (!hasModule()) {
    const pip = spawnSync(python, ['-m', 'pip', 'install', '--user', '--quiet', `moto[server]==${MOTO_VERSION}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
    });
    if (pip.status !== 0 || !hasModule()) {
      throw new Error(
        `moto_server is not on the PATH and pip could not install it (${pip.stderr?.trim().slice(-300)}); ${hint}`,
      );
    }
  }
  return { cmd: python, args: ['-m', 'moto.server'] };
}

export async function startMoto(opts: { startTimeoutMs?: number } = {}): Promise<Moto> {
  const port = await freePort();
  const { cmd, args } = motoCommand();
  const child: ChildProcess = spawn(cmd, [...args, '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'ignore', 'pipe'],
    // A child of our own: never the parent's AWS profile or real credentials.
    env: { ...process.env, AWS_ACCESS_KEY_ID: 'moto', AWS_SECRET_ACCESS_KEY: 'moto', AWS_DEFAULT_REGION: 'us-east-1' },
  });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      resolve();
    });
    child.once('error', () => {
      exited = true;
      resolve();
    });
  });
  const removeExitHook = onProcessExit(() => {
    if (!exited) child.kill('SIGKILL');
  });
  const endpoint = `http://127.0.0.1:${port}`;

  async function stop(): Promise<void> {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 3000);
      await exitPromise;
      clearTimeout(timer);
    }
    removeExitHook();
  }

  const deadline = Date.now() + (opts.startTimeoutMs ?? 90_000);
  for (;;) {
    if (exited) {
      removeExitHook();
      throw new Error(`moto_server exited before answering: ${stderr.trim().slice(-500)}`);
    }
    const up = await fetch(`${endpoint}/moto-api/data.json`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer on ${endpoint} in time`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  const region = 'us-east-1';
  const credentials = { accessKeyId: 'moto', secretAccessKey: 'moto' };
  const env: Record<string, string> = { AWS_REGION: region, AWS_ACCESS_KEY_ID: 'moto', AWS_SECRET_ACCESS_KEY: 'moto' };
  for (const service of MOTO_SERVICES) env[`AWS_ENDPOINT_URL_${service}`] = endpoint;
  return {
    endpoint,
    port,
    clientConfig: { endpoint, region, credentials, forcePathStyle: true },
    env,
    reset: async () => {
      const res = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
    },
    stop,
  };
}

/**
 * Points this process's SDK clients (the handlers' composition root included) at moto for the
 * services it emulates. DynamoDB Local and the local Step Functions endpoint keep their own
 * variables: moto's credentials are accepted by both. Returns a function restoring what was there.
 */
export function pointSdkAtMoto(moto: Moto): () => void {
  const before: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(moto.env)) {
    before[name] = process.env[name];
    // DynamoDB Local and the local state machine take any credentials: keep theirs where set.
    if ((name === 'AWS_ACCESS_KEY_ID' || name === 'AWS_SECRET_ACCESS_KEY') && process.env[name]) continue;
    process.env[name] = value;
  }
  return () => {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

/** What moto tracks of its models (`/moto-api/data.json`): service -> model -> instances. */
export async function motoModels(moto: Moto): Promise<Record<string, Record<string, Record<string, any>[]>>> {
  const res = await fetch(`${moto.endpoint}/moto-api/data.json`);
  if (!res.ok) throw new Error(`moto data answered ${res.status}`);
  return (await res.json()) as Record<string, Record<string, Record<string, any>[]>>;
}

/** The emails moto's SES (v1 and v2 share it) accepted, oldest first. */
export async function sentEmails(
  moto: Moto,
): Promise<{ source: string; destinations: { ToAddresses: string[] }; subject: string; body: string }[]> {
  return ((await motoModels(moto)).ses?.Message ?? []) as any;
}

/**
 * The handlers' composition root rebuilt with this environment on top of placeholder table names (the
 * AWS-only adapters under test make no DynamoDB call) and a test pepper. Call `pointSdkAtMoto` first.
 */
export async function composeWith(env: Record<string, string>): Promise<void> {
  const { resetDeps } = await import('#handlers/deps.ts');
  for (const name of ['IDENTIFIER_PEPPER_SECRET_ARN', 'CONNECTOR_SIGNING_SECRET_ARN', 'OUTBOX', 'SES_FROM'])
    delete process.env[name];
  Object.assign(process.env, {
    TABLE_ECIF: 'unused',
    TABLE_CONSENT: 'unused',
    TABLE_REQUESTS: 'unused',
    TABLE_AUDIT: 'unused',
    IDENTIFIER_PEPPER: 'moto-test-pepper-0123456789',
    ...env,
  });
  resetDeps();
}
