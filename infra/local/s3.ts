/**
 * A local S3-compatible server (s3rver) for the report bucket, so the real @aws-sdk/client-s3 code
 * runs unchanged. Objects live in a temporary directory unless `directory` is given (--persist).
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
// @ts-expect-error s3rver ships no types
import S3rver from 's3rver';

export interface LocalS3 {
  endpoint: string;
  port: number;
  stop(): Promise<void>;
}

export async function startLocalS3(opts: { port?: number; directory?: string; buckets: string[] }): Promise<LocalS3> {
  const temporary = !opts.directory;
  const directory = opts.directory ?? mkdtempSync(path.join(tmpdir(), 'custodian-s3-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({
    address: '127.0.0.1',
    port: opts.port ?? 0,
    silent: true,
    directory,
    configureBuckets: opts.buckets.map((name) => ({ name })),
  });
  const address: { port: number } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    port: address.port,
    stop: () =>
      new Promise<void>((resolve) =>
        server.close(() => {
          if (temporary) rmSync(directory, { recursive: true, force: true });
          resolve();
        }),
      ),
  };
}
