/** Small process helpers for the local runtime: free ports and exit hooks. */
import { createServer } from 'node:net';

/** A free TCP port on 127.0.0.1 (asks the OS for port 0, then releases it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const exitHooks = new Set<() => void>();
let installed = false;

/**
 * Runs `fn` synchronously when the process exits (normal exit, or an uncaught error), so child
 * processes (the DynamoDB Local JVM) never outlive us. Returns a function removing the hook.
 */
export function onProcessExit(fn: () => void): () => void {
  if (!installed) {
    installed = true;
    process.on('exit', () => {
      for (const hook of exitHooks) {
        try {
          hook();
        } catch {
          // exiting anyway
        }
      }
    });
  }
  exitHooks.add(fn);
  return () => exitHooks.delete(fn);
}
