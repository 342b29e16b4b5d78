/**
 * One NDJSON export line per audit event: the RFC 8785 JSON of the whole event, `hash` included.
 * `hash` sorts just before `prevHash`, so the bytes the hash is over are the line without its
 * `"hash":"…",` member: an auditor checks a line with any SHA-256 tool, and the offline verifier
 * hashes those bytes without canonicalizing again (verify-export.ts).
 */
import { canonicalJson } from './canonical.ts';
import type { AuditEvent } from './event.ts';

export const exportLine = (event: AuditEvent): string => canonicalJson(event)!;

/**
 * Where a line's hash member is, when the line is as `exportLine` wrote it: the bytes the hash is
 * over are the line without `[start, end)`. Undefined for a line written any other way (the
 * verifier then canonicalizes it).
 */
export function hashMemberOf(line: string, hash: string): { start: number; end: number } | undefined {
  // Not JSON.stringify(hash): a hash that needs escaping is no hash of ours; the verifier's slow path decides.
  const member = `"hash":"${hash}",`;
  const start = line.indexOf(member);
  return start < 0 ? undefined : { start, end: start + member.length };
}
