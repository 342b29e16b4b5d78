/**
 * What a signature over a verification result covers: the job (its id and range) and the result,
 * as RFC 8785 JSON hashed with SHA-256. The offline verifier recomputes it the same way.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';

export function resultHash(job: { id: string; from: string; to: string }, body: Record<string, unknown>): string {
  const { hash: _hash, signature: _signature, ...rest } = body;
  return createHash('sha256')
    .update(canonicalJson({ job: { id: job.id, from: job.from, to: job.to }, result: rest })!)
    .digest('hex');
}
