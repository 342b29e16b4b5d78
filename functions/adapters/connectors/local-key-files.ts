/**
 * The local runtime's keeping of the keys issued to systems (AWS: Secrets Manager, beside it): one JSON
 * file per reference, `{ current, previous? }`, in a directory beside the dev secrets file (mode 0600).
 * Each write is a new file renamed into place, so a reader never sees half of one. One file per key,
 * not one file for all: runtimes started together (tests) never write over each other's keys.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import type { SystemKeyVault } from '#core/connectors/ports.ts';

interface KeyFile {
  current: string;
  previous?: string;
}

export class LocalKeyFiles implements SystemKeyVault {
  constructor(private readonly dir: string) {}

  private file(ref: string): string {
    return path.join(this.dir, `${encodeURIComponent(ref)}.json`);
  }

  /** The current key and, after a rotation, the one it replaced; undefined when none is kept. */
  read(ref: string): KeyFile | undefined {
    try {
      return JSON.parse(readFileSync(this.file(ref), 'utf8')) as KeyFile;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw err;
    }
  }

  async put(ref: string, key: string): Promise<void> {
    this.write(ref, { current: key });
  }

  async rotate(ref: string, key: string): Promise<void> {
    const before = this.read(ref);
    this.write(ref, { current: key, ...(before ? { previous: before.current } : {}) });
  }

  private write(ref: string, keys: KeyFile) {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${this.file(ref)}.${randomBytes(4).toString('hex')}.tmp`;
    writeFileSync(tmp, JSON.stringify(keys), { mode: 0o600 });
    renameSync(tmp, this.file(ref));
  }
}
