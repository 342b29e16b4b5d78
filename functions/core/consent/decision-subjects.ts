/**
 * Who a decision is about: the decision path's one question to the ECIF, for a single decision and a
 * campaign batch alike (a golden-record merge answers as its survivor here). An ecifId
 * the ECIF holds, erased, or not at all; a system's local id through the identity index, or through
 * its suppression entry once that customer was erased (which keeps no ecifId).
 */
import { identityKeysOf, type IdentityHasher } from '../ecif/identifiers.ts';
import type { EcifRegistry, SubjectStatus } from '../ecif/ports.ts';

export type SubjectRef = { ecifId: string } | { systemId: string; localId: string };

export type NamedSubject =
  | { known: true; ecifId: string; ledgers: string[] }
  | { known: false; reason: 'erased'; ecifId?: string }
  | { known: false; reason: 'unknown_subject'; ecifId?: undefined };

/**
 * The ECIF's answer for each subject, in order: ecifIds up to 100 a round trip, local ids one each.
 * A merged id answers as its survivor; a known subject names the ledgers its decision reads (its own
 * and those of the records merged into it). A merged id or a local id costs one status read more.
 */
export async function nameSubjects(
  deps: { ecif: EcifRegistry; hash: IdentityHasher },
  subjects: SubjectRef[],
  concurrency = 16,
): Promise<NamedSubject[]> {
  const statuses = new Map<string, SubjectStatus>();
  const readStatuses = (ids: string[]) =>
    pool(
      Array.from({ length: Math.ceil(ids.length / 100) }, (_, i) => ids.slice(i * 100, i * 100 + 100)),
      concurrency,
      async (chunk) => {
        for (const [id, status] of await deps.ecif.statuses(chunk)) statuses.set(id, status);
      },
    );
  const [, owners] = await Promise.all([
    readStatuses([...new Set(subjects.flatMap((s) => ('ecifId' in s ? [s.ecifId] : [])))]),
    pool(subjects, concurrency, async (s) =>
      'ecifId' in s
        ? undefined
        : deps.ecif.identityOwner(
            identityKeysOf({ systemRef: { systemId: s.systemId, localId: s.localId } }, deps.hash)[0],
          ),
    ),
  ]);
  const more = new Set([
    ...[...statuses.values()].flatMap((s) => (s.mergedInto ? [s.mergedInto] : [])),
    ...owners.flatMap((o) => (o && 'ecifId' in o ? [o.ecifId] : [])),
  ]);
  await readStatuses([...more].filter((id) => !statuses.has(id)));

  const asSurvivor = (ecifId: string): NamedSubject => {
    const status = statuses.get(ecifId);
    if (status?.status === 'erased') return { known: false, reason: 'erased', ecifId };
    return { known: true, ecifId, ledgers: [ecifId, ...(status?.merged ?? [])] };
  };
  return subjects.map((s, i): NamedSubject => {
    if ('ecifId' in s) {
      const status = statuses.get(s.ecifId);
      if (!status) return { known: false, reason: 'unknown_subject' };
      if (status.status === 'erased') return { known: false, reason: 'erased', ecifId: s.ecifId };
      return asSurvivor(status.mergedInto ?? s.ecifId);
    }
    const owner = owners[i];
    if (!owner) return { known: false, reason: 'unknown_subject' };
    return 'erased' in owner ? { known: false, reason: 'erased' } : asSurvivor(owner.ecifId);
  });
}

/** Maps with at most `n` calls in flight, keeping the order. */
export async function pool<T, R>(xs: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, xs.length) }, async () => {
      while (next < xs.length) {
        const i = next++;
        out[i] = await fn(xs[i]);
      }
    }),
  );
  return out;
}
