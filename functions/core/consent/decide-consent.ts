import type { EcifRegistry } from '../ecif/ports.ts';
import { identityKeysOf, type IdentityHasher } from '../ecif/identifiers.ts';
import type { Clock } from '../shared/clock.ts';
import type { ConsentFlags, CurrentConsent, DecisionInput } from './consent.ts';
import { decide, type Decision } from './decide.ts';
import { claimsOf, type DecisionSigner } from './decision-token.ts';
import type { ConsentLedger } from './ports.ts';

export interface DecideDeps {
  consent: ConsentLedger;
  ecif: EcifRegistry;
  hash: IdentityHasher;
  clock: Clock;
  decisionSigner: DecisionSigner;
}

export type SubjectRef = { ecifId: string } | { systemId: string; localId: string };
export type DecisionAnswer = Decision & { ecifId?: string; decidedAt: string; token: string };

/** The subject's ecifId: as given, or through the ECIF cross-reference of the caller's own id. */
async function ecifIdOf(deps: DecideDeps, subject: SubjectRef): Promise<string | undefined> {
  if ('ecifId' in subject) return subject.ecifId;
  return deps.ecif.findByIdentity(
    identityKeysOf({ systemRef: { systemId: subject.systemId, localId: subject.localId } }, deps.hash)[0],
  );
}

/** One Query once the ecifId is known; one index read more when the caller names its own local id. */
async function decideOne(
  deps: DecideDeps,
  subject: SubjectRef,
  ask: { purpose: DecisionInput['purpose']; channel: DecisionInput['channel']; jurisdiction: 'GDPR' | 'CCPA' },
  now: Date,
): Promise<DecisionAnswer> {
  const decidedAt = now.toISOString();
  const ecifId = await ecifIdOf(deps, subject);
  // An unknown subject is an answer (deny), never an error.
  const decision: Decision & { ecifId?: string } = ecifId
    ? { ...(await current(deps, ecifId, ask, now)), ecifId }
    : { decision: 'deny', reason: 'unknown_subject' };
  return { ...decision, decidedAt, token: await deps.decisionSigner.sign(claimsOf({ ...decision, decidedAt }, ask)) };
}

async function current(
  deps: DecideDeps,
  ecifId: string,
  ask: { purpose: DecisionInput['purpose']; channel: DecisionInput['channel']; jurisdiction: 'GDPR' | 'CCPA' },
  now: Date,
) {
  const { states, flags } = await deps.consent.current(ecifId);
  return decide(ask.purpose, ask.channel, states, flags, now, ask.jurisdiction);
}

export async function decideConsent(deps: DecideDeps, input: DecisionInput): Promise<DecisionAnswer> {
  const { purpose, channel, jurisdiction = 'GDPR', ...subject } = input;
  return decideOne(deps, subject as SubjectRef, { purpose, channel, jurisdiction }, deps.clock.now());
}

/**
 * A campaign list: one purpose and channel, up to 10,000 subjects, answered in order at one instant.
 * Local ids are resolved a few at a time; the consent reads go 33 subjects to a round trip.
 */
export async function decideBatch(
  deps: DecideDeps,
  input: {
    purpose: DecisionInput['purpose'];
    channel: DecisionInput['channel'];
    jurisdiction?: 'GDPR' | 'CCPA';
    subjects: SubjectRef[];
  },
  concurrency = 16,
): Promise<{ decidedAt: string; items: (DecisionAnswer & { subject: SubjectRef })[] }> {
  const now = deps.clock.now();
  const decidedAt = now.toISOString();
  const ask = { purpose: input.purpose, channel: input.channel, jurisdiction: input.jurisdiction ?? 'GDPR' };
  const ecifIds = await pool(input.subjects, concurrency, (s) => ecifIdOf(deps, s));
  const known = [...new Set(ecifIds.filter((id): id is string => !!id))];
  const chunks = Array.from({ length: Math.ceil(known.length / 33) }, (_, i) => known.slice(i * 33, i * 33 + 33));
  const held = new Map<string, { states: CurrentConsent[]; flags: ConsentFlags }>();
  await pool(chunks, concurrency, async (chunk) => {
    for (const [id, v] of await deps.consent.currentFor(chunk, ask.purpose, ask.channel)) held.set(id, v);
  });
  const items = await Promise.all(
    input.subjects.map(async (subject, i) => {
      const ecifId = ecifIds[i];
      const got = ecifId ? held.get(ecifId)! : undefined;
      const decision: Decision & { ecifId?: string } = got
        ? { ...decide(ask.purpose, ask.channel, got.states, got.flags, now, ask.jurisdiction), ecifId }
        : { decision: 'deny', reason: 'unknown_subject' };
      return {
        subject,
        ...decision,
        decidedAt,
        token: await deps.decisionSigner.sign(claimsOf({ ...decision, decidedAt }, ask)),
      };
    }),
  );
  return { decidedAt, items };
}

/** Maps with at most `n` calls in flight, keeping the order. */
async function pool<T, R>(xs: T[], n: number, fn: (x: T) => Promise<R>): Promise<R[]> {
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
