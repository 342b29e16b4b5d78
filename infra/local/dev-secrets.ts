/**
 * The local runtime's secrets (identifier pepper, webhook signing key): random, generated on first
 * start into a git-ignored file, so no secret sits in the code and a `--persist` restart hashes
 * identifiers the same way. In AWS they come from Secrets Manager instead.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const secretsSchema = z.object({ pepper: z.string().min(32), signingSecret: z.string().min(32) });
export type DevSecrets = z.infer<typeof secretsSchema>;

export const DEFAULT_DEV_SECRETS_FILE = path.resolve(
  path.dirname(new URL(import.meta.url).pathname),
  '../../.data/dev-secrets.json',
);

export function devSecrets(file = DEFAULT_DEV_SECRETS_FILE): DevSecrets {
  mkdirSync(path.dirname(file), { recursive: true });
  try {
    const fresh: DevSecrets = {
      pepper: randomBytes(32).toString('hex'),
      signingSecret: randomBytes(32).toString('hex'),
    };
    // `wx`: two processes starting at once cannot both write; the loser reads the winner's file.
    writeFileSync(file, JSON.stringify(fresh, null, 2), { flag: 'wx', mode: 0o600 });
    return fresh;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  for (let attempt = 0; ; attempt++) {
    try {
      return secretsSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
    } catch {
      // The winner may still be writing it.
      if (attempt >= 20) throw new Error(`unreadable dev secrets file ${file}: delete it to generate new ones`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 25);
    }
  }
}
