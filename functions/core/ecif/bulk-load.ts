/**
 * One batch of a bulk ECIF load: every record checked as a single upsert would be (schema, suppression,
 * identity binding, erased customers), but read and written together: one suppression read, one profile
 * read, and grouped conditional writes where a conflict rejects that record alone. A record whose content
 * is already there (same source hash) is unchanged and writes nothing, so a batch run twice changes
 * nothing twice.
 */
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { Clock } from '#core/shared/clock.ts';
import { InvalidInputError } from '#core/shared/errors.ts';
import {
  customerInputSchema,
  ecifIdSchema,
  type CrossReference,
  type CustomerInput,
  type GoldenRecord,
} from './customer.ts';
import { identityKeysOf, sameKey, type IdentityHasher, type IdentityKey } from './identifiers.ts';
import type { CustomerChange, EcifRegistry } from './ports.ts';

/** A line of the load file as the reader hands it on: the parsed record, or why it could not be read. */
export interface LoadLine {
  line: number;
  ecifId?: unknown;
  body?: unknown;
  unreadable?: string;
}

export type RejectKind = 'unreadable' | 'invalid' | 'suppressed' | 'conflict' | 'erased' | 'duplicate';

/** A rejected line: where and why, never a value (a conflict names the golden record holding the identifier). */
export interface LoadReject {
  line: number;
  kind: RejectKind;
  field?: string;
  ecifId?: string;
  boundTo?: string;
}

export interface LoadCounts {
  read: number;
  created: number;
  updated: number;
  unchanged: number;
  rejected: number;
}

export interface BatchOutcome extends LoadCounts {
  rejects: LoadReject[];
  /** The golden records this batch created or changed (for the audit event: ids only). */
  written: string[];
}

export interface BulkLoadDeps {
  ecif: EcifRegistry;
  hash: IdentityHasher;
  clock: Clock;
}

interface Candidate {
  line: number;
  ecifId: string;
  input: CustomerInput;
  keys: IdentityKey[];
  sourceHash: string;
}

export const emptyCounts = (): LoadCounts => ({ read: 0, created: 0, updated: 0, unchanged: 0, rejected: 0 });

export async function loadBatch(deps: BulkLoadDeps, lines: LoadLine[]): Promise<BatchOutcome> {
  const at = deps.clock.now().toISOString();
  const rejects: LoadReject[] = [];
  const candidates: Candidate[] = [];
  const seen = new Set<string>();
  // Two records of one batch claiming one identifier: the first keeps it (one transaction may not write an item twice).
  const claimed = new Map<string, string>();
  for (const line of lines) {
    const parsed = parseLine(deps.hash, line);
    if ('kind' in parsed) rejects.push(parsed);
    else if (seen.has(parsed.ecifId)) rejects.push({ line: line.line, kind: 'duplicate', ecifId: parsed.ecifId });
    else {
      const taken = parsed.keys.find((k) => claimed.has(`${k.kind}#${k.hash}`));
      if (taken) {
        const boundTo = claimed.get(`${taken.kind}#${taken.hash}`);
        rejects.push({ line: line.line, kind: 'conflict', field: fieldOf(taken), ecifId: parsed.ecifId, boundTo });
        continue;
      }
      seen.add(parsed.ecifId);
      for (const k of parsed.keys) claimed.set(`${k.kind}#${k.hash}`, parsed.ecifId);
      candidates.push(parsed);
    }
  }

  const [suppressed, existing] = await Promise.all([
    deps.ecif.suppressed(dedupe(candidates.flatMap((c) => c.keys))),
    deps.ecif.getCustomers(candidates.map((c) => c.ecifId)),
  ]);
  const current = new Map(existing.map((r) => [r.ecifId, r]));
  let unchanged = 0;
  const toWrite: { candidate: Candidate; previous?: GoldenRecord }[] = [];
  for (const c of candidates) {
    const previous = current.get(c.ecifId);
    const hit = c.keys.find((k) => suppressed.some((s) => sameKey(s, k)));
    if (hit) rejects.push({ line: c.line, kind: 'suppressed', field: fieldOf(hit), ecifId: c.ecifId });
    else if (previous?.status === 'erased') rejects.push({ line: c.line, kind: 'erased', ecifId: c.ecifId });
    else if (previous?.sourceHash === c.sourceHash) unchanged++;
    else toWrite.push({ candidate: c, previous });
  }

  const changes = await Promise.all(
    toWrite.map(async ({ candidate, previous }) =>
      changeFor(candidate, previous, await previousXrefs(deps, previous), at),
    ),
  );
  const conflicts = await deps.ecif.saveCustomers(changes);
  const refused = new Map(conflicts.map((c) => [c.ecifId, c]));
  let created = 0;
  let updated = 0;
  const written: string[] = [];
  for (const { candidate, previous } of toWrite) {
    const conflict = refused.get(candidate.ecifId);
    if (conflict) {
      rejects.push({
        line: candidate.line,
        kind: 'conflict',
        ecifId: candidate.ecifId,
        ...(conflict.kind ? { field: fieldOf({ kind: conflict.kind, hash: '' }) } : {}),
        ...(conflict.boundTo ? { boundTo: conflict.boundTo } : {}),
      });
      continue;
    }
    written.push(candidate.ecifId);
    if (previous) updated++;
    else created++;
  }
  rejects.sort((a, b) => a.line - b.line);
  return { read: lines.length, created, updated, unchanged, rejected: rejects.length, rejects, written };
}

function parseLine(hash: IdentityHasher, line: LoadLine): Candidate | LoadReject {
  if (line.unreadable) return { line: line.line, kind: 'unreadable', field: line.unreadable };
  const id = ecifIdSchema.safeParse(line.ecifId);
  if (!id.success) return { line: line.line, kind: 'invalid', field: 'ecifId' };
  const body = customerInputSchema.safeParse(line.body);
  // The field path only: a zod message may quote what it was given.
  if (!body.success)
    return { line: line.line, kind: 'invalid', field: body.error.issues[0]?.path.join('.') || 'body', ecifId: id.data };
  const input = body.data;
  try {
    const keys = dedupe([
      ...input.emails.flatMap((email) => identityKeysOf({ email }, hash)),
      ...input.phones.flatMap((phone) => identityKeysOf({ phone }, hash)),
      ...input.nationalIds.flatMap((nationalId) => identityKeysOf({ nationalId }, hash)),
      ...input.crossReferences.flatMap((x) => identityKeysOf({ systemRef: x }, hash)),
    ]);
    const sourceHash = createHash('sha256')
      .update(canonicalize({ ecifId: id.data, ...input }) ?? '')
      .digest('base64url');
    return { line: line.line, ecifId: id.data, input, keys, sourceHash };
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return { line: line.line, kind: 'invalid', field: String(err.extensions.field ?? 'identifier'), ecifId: id.data };
  }
}

async function previousXrefs(deps: BulkLoadDeps, previous: GoldenRecord | undefined): Promise<CrossReference[]> {
  return previous ? deps.ecif.crossReferences(previous.ecifId) : [];
}

/** The same change a single upsert makes (functions/core/ecif/upsert-customer.ts), with the source hash kept. */
function changeFor(
  c: Candidate,
  previous: GoldenRecord | undefined,
  xrefs: CrossReference[],
  at: string,
): CustomerChange {
  const crossReferences: CrossReference[] = c.input.crossReferences.map((x) => ({
    ...x,
    since: xrefs.find((p) => p.systemId === x.systemId && p.localId === x.localId)?.since ?? at,
  }));
  const { crossReferences: _x, ...profile } = c.input;
  const previousKeys = previous?.identities ?? [];
  return {
    record: {
      ...profile,
      ecifId: c.ecifId,
      status: previous?.status ?? 'active',
      identities: c.keys,
      createdAt: previous?.createdAt ?? at,
      updatedAt: at,
      sourceHash: c.sourceHash,
    },
    addIdentities: c.keys.filter((k) => !previousKeys.some((p) => sameKey(p, k))),
    removeIdentities: previousKeys.filter((p) => !c.keys.some((k) => sameKey(p, k))),
    crossReferences,
    removeCrossReferences: xrefs.filter(
      (p) => !crossReferences.some((x) => x.systemId === p.systemId && x.localId === p.localId),
    ),
  };
}

/** The field a key came from, for a reject line: `email`, `phone`, `national_id` or `crossReferences.<system>`. */
function fieldOf(key: IdentityKey): string {
  return key.kind.startsWith('sys.') ? `crossReferences.${key.kind.slice(4)}` : key.kind;
}

function dedupe(keys: IdentityKey[]): IdentityKey[] {
  const seen = new Set<string>();
  return keys.filter((k) => {
    const id = `${k.kind}#${k.hash}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

/** Sums batch outcomes into a job's counts. */
export function addCounts(into: LoadCounts, batch: LoadCounts): LoadCounts {
  return {
    read: into.read + batch.read,
    created: into.created + batch.created,
    updated: into.updated + batch.updated,
    unchanged: into.unchanged + batch.unchanged,
    rejected: into.rejected + batch.rejected,
  };
}
