/**
 * Golden-record merges and splits. A merge moves the merged records' identifiers and cross-references
 * to the survivor and links each merged record to it; nothing in a consent ledger is rewritten (each
 * event keeps its original subject), the decision path reads the ledgers of the survivor and of every
 * record merged into it together (consent/merged-consent.ts). A split moves back what the merge moved,
 * so both subjects decide from their own ledgers again, exactly as before.
 */
import { z } from 'zod';
import type { AuditLog } from '../audit/ports.ts';
import type { RequestStore } from '../requests/ports.ts';
import { openStatuses } from '../requests/request.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { ConflictError, NotFoundError } from '#core/shared/errors.ts';
import { ecifIdSchema, type CrossReference, type GoldenRecord } from './customer.ts';
import { sameKey } from './identifiers.ts';
import type { EcifRegistry, RebindChange } from './ports.ts';

const mergeShape = z.strictObject({ survivor: ecifIdSchema, merged: z.array(ecifIdSchema).min(1).max(10) });
const distinct = [
  (m: z.infer<typeof mergeShape>) => new Set(m.merged).size === m.merged.length && !m.merged.includes(m.survivor),
  { message: 'name each merged record once, and not the survivor' },
] as const;
export const mergeInputSchema = mergeShape.refine(...distinct);
/** The route's body: a merge, or with `action: "split"` its undoing. */
export const mergeRequestSchema = mergeShape
  .extend({ action: z.enum(['merge', 'split']).default('merge') })
  .refine(...distinct);
export type MergeInput = z.infer<typeof mergeInputSchema>;

export interface MergeDeps {
  ecif: EcifRegistry;
  audit: AuditLog;
  clock: Clock;
  requests: RequestStore;
}

export interface MergeResult {
  survivor: string;
  merged: string[];
  identities: number;
  crossReferences: number;
  requests: number;
  /** False when the records were already in this state (a repeat changes nothing). */
  changed: boolean;
}

// One DynamoDB transaction holds at most 100 writes.
const MAX_WRITES = 100;

async function readAll(ecif: EcifRegistry, ids: string[]) {
  const records = await ecif.getCustomers(ids);
  const byId = new Map(records.map((r) => [r.ecifId, r]));
  if (ids.some((id) => !byId.has(id))) throw new NotFoundError('no such customer');
  if (records.some((r) => r.status === 'erased'))
    throw new ConflictError('an erased customer can be neither merged nor split', { reason: 'erased' });
  return ids.map((id) => byId.get(id)!);
}

/** The open requests of a subject (those among `only` when given): read before the rebind, moved after it. */
async function openRequests(requests: RequestStore, ecifId: string, only?: string[]): Promise<string[]> {
  const { items } = await requests.list({ statuses: openStatuses, ecifId }, { limit: 100 });
  return items.filter((r) => !only || only.includes(r.id)).map((r) => r.id);
}

const repoint = (requests: RequestStore, ids: string[], to: string) =>
  Promise.all(ids.map((id) => requests.update(id, { ecifId: to })));

export async function mergeCustomers(deps: MergeDeps, input: MergeInput, actor: Actor): Promise<MergeResult> {
  const [survivor, ...merged] = await readAll(deps.ecif, [input.survivor, ...input.merged]);
  const already = merged.filter((m) => m.mergedInto?.survivor === survivor.ecifId);
  if (already.length === merged.length) {
    // A repeat finishes what a first try may have left: the re-pointing comes after the rebind.
    await repoint(
      deps.requests,
      already.flatMap((m) => m.mergedInto?.requests ?? []),
      survivor.ecifId,
    );
    return {
      survivor: survivor.ecifId,
      merged: input.merged,
      identities: 0,
      crossReferences: 0,
      requests: 0,
      changed: false,
    };
  }
  if (survivor.mergedInto)
    throw new ConflictError('the survivor was itself merged into another record', { reason: 'merged' });
  // One level only: a record that absorbed others is split from them before it is merged away.
  if (merged.some((m) => m.mergedInto || m.merged?.length))
    throw new ConflictError('a merged record takes part in another merge', { reason: 'merged' });

  const [own, ...theirs] = await Promise.all([survivor, ...merged].map((r) => deps.ecif.crossReferences(r.ecifId)));
  // A request's per-system task is keyed by the system: two local ids in one system cannot be served.
  const systems = [...own, ...theirs.flat()].map((x) => x.systemId);
  if (new Set(systems).size !== systems.length)
    throw new ConflictError('both records have a cross-reference in the same system', { reason: 'same_system' });

  const at = deps.clock.now().toISOString();
  const moved = merged.flatMap((m) =>
    m.identities
      .filter((k) => !survivor.identities.some((s) => sameKey(s, k)))
      .map((key) => ({ key, from: m.ecifId, to: survivor.ecifId })),
  );
  const xrefs = merged.flatMap((m, i) =>
    theirs[i].map((crossReference) => ({ crossReference, from: m.ecifId, to: survivor.ecifId })),
  );
  if (merged.length + 1 + moved.length + 2 * xrefs.length > MAX_WRITES)
    throw new ConflictError('too many identifiers to merge at once', { reason: 'too_large' });

  const repointed = await Promise.all(merged.map((m) => openRequests(deps.requests, m.ecifId)));
  const change: RebindChange = {
    records: [
      {
        record: {
          ...survivor,
          identities: [...survivor.identities, ...moved.map((m) => m.key)],
          merged: [...(survivor.merged ?? []), ...input.merged],
          updatedAt: at,
        },
        expectedUpdatedAt: survivor.updatedAt,
      },
      ...merged.map((m, i) => ({
        record: {
          ...m,
          mergedInto: { survivor: survivor.ecifId, at, crossReferences: theirs[i], requests: repointed[i] },
          updatedAt: at,
        },
        expectedUpdatedAt: m.updatedAt,
      })),
    ],
    identities: moved,
    crossReferences: xrefs,
  };
  await deps.ecif.rebindCustomers(change);
  await repoint(deps.requests, repointed.flat(), survivor.ecifId);

  const result = {
    survivor: survivor.ecifId,
    merged: input.merged,
    identities: moved.length,
    crossReferences: xrefs.length,
    requests: repointed.flat().length,
    changed: true,
  };
  await audit(deps, actor, 'ecif.merged', survivor.ecifId, input.merged, result, xrefs);
  return result;
}

/** Undoes a merge: each merged record gets back its identifiers, cross-references and open requests. */
export async function splitCustomers(deps: MergeDeps, input: MergeInput, actor: Actor): Promise<MergeResult> {
  const [survivor, ...merged] = await readAll(deps.ecif, [input.survivor, ...input.merged]);
  if (merged.every((m) => !m.mergedInto && !survivor.merged?.includes(m.ecifId)))
    return {
      survivor: survivor.ecifId,
      merged: input.merged,
      identities: 0,
      crossReferences: 0,
      requests: 0,
      changed: false,
    };
  if (merged.some((m) => m.mergedInto?.survivor !== survivor.ecifId))
    throw new ConflictError('a record named was not merged into this survivor', { reason: 'not_merged' });

  const at = deps.clock.now().toISOString();
  // Only what the survivor still holds goes back (a steward may have corrected the survivor since).
  const owners = await Promise.all(
    merged.flatMap((m) => m.identities.map(async (key) => ({ key, m, owner: await deps.ecif.findByIdentity(key) }))),
  );
  const back = owners
    .filter((o) => o.owner === survivor.ecifId)
    .map((o) => ({ key: o.key, from: survivor.ecifId, to: o.m.ecifId }));
  const held = new Set((await deps.ecif.crossReferences(survivor.ecifId)).map((x) => `${x.systemId}#${x.localId}`));
  const xrefs = merged.flatMap((m) =>
    (m.mergedInto?.crossReferences ?? [])
      .filter((x: CrossReference) => held.has(`${x.systemId}#${x.localId}`))
      .map((crossReference) => ({ crossReference, from: survivor.ecifId, to: m.ecifId })),
  );
  const returned = await Promise.all(
    merged.map((m) => openRequests(deps.requests, survivor.ecifId, m.mergedInto?.requests ?? [])),
  );
  const unlink = ({ mergedInto: _link, ...m }: GoldenRecord): GoldenRecord => ({ ...m, updatedAt: at });
  const remaining = (survivor.merged ?? []).filter((id) => !input.merged.includes(id));
  const { merged: _merged, ...rest } = survivor;
  await deps.ecif.rebindCustomers({
    records: [
      {
        record: {
          ...rest,
          ...(remaining.length ? { merged: remaining } : {}),
          identities: survivor.identities.filter((k) => !back.some((b) => sameKey(b.key, k))),
          updatedAt: at,
        },
        expectedUpdatedAt: survivor.updatedAt,
      },
      ...merged.map((m) => ({ record: unlink(m), expectedUpdatedAt: m.updatedAt })),
    ],
    identities: back,
    crossReferences: xrefs,
  });
  await Promise.all(merged.map((m, i) => repoint(deps.requests, returned[i], m.ecifId)));
  const result = {
    survivor: survivor.ecifId,
    merged: input.merged,
    identities: back.length,
    crossReferences: xrefs.length,
    requests: returned.flat().length,
    changed: true,
  };
  await audit(deps, actor, 'ecif.split', survivor.ecifId, input.merged, result, xrefs);
  return result;
}

/** On the survivor's stream and each merged record's: ids, counts and system ids, never a value. */
function audit(
  deps: MergeDeps,
  actor: Actor,
  action: 'ecif.merged' | 'ecif.split',
  survivor: string,
  merged: string[],
  result: MergeResult,
  xrefs: { crossReference: CrossReference }[],
) {
  const details = {
    survivor,
    merged,
    identities: result.identities,
    crossReferences: xrefs.map((x) => x.crossReference.systemId),
    requests: result.requests,
  };
  return Promise.all(
    [survivor, ...merged].map((ecifId) =>
      deps.audit.append({ stream: `ecif:${ecifId}`, actor, action, target: { ecifId }, details }),
    ),
  );
}
