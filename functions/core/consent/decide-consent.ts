import type { EcifRegistry } from '../ecif/ports.ts';
import type { IdentityHasher } from '../ecif/identifiers.ts';
import type { Clock } from '#core/shared/clock.ts';
import type { ConsentFlags, CurrentConsent, DecisionInput } from './consent.ts';
import { decide, type Decision } from './decide.ts';
import { claimsOf, type DecisionSigner } from './decision-token.ts';
import { nameSubjects, pool, type NamedSubject, type SubjectRef } from './decision-subjects.ts';
import { mergedConsent } from './merged-consent.ts';
import type { ConsentLedger } from './ports.ts';

export type { SubjectRef } from './decision-subjects.ts';

export interface DecideDeps {
  consent: ConsentLedger;
  ecif: EcifRegistry;
  hash: IdentityHasher;
  clock: Clock;
  decisionSigner: DecisionSigner;
}

export type DecisionAnswer = Decision & { ecifId?: string; decidedAt: string; token: string };
type Ask = { purpose: DecisionInput['purpose']; channel: DecisionInput['channel']; jurisdiction: 'GDPR' | 'CCPA' };
type Held = { states: CurrentConsent[]; flags: ConsentFlags };

/** A subject the ECIF does not hold, or erased, is an answer (deny), never an error. */
function answer(named: NamedSubject, held: Held | undefined, ask: Ask, now: Date): Decision & { ecifId?: string } {
  if (!named.known)
    return { decision: 'deny', reason: named.reason, ...(named.ecifId ? { ecifId: named.ecifId } : {}) };
  const { states, flags } = held!;
  return { ...decide(ask.purpose, ask.channel, states, flags, now, ask.jurisdiction), ecifId: named.ecifId };
}

/**
 * By ecifId: the ECIF and the consent state read at once (a known subject costs no round trip more).
 * By a local id: the index read first (it names the ecifId), then the consent state.
 */
export async function decideConsent(deps: DecideDeps, input: DecisionInput): Promise<DecisionAnswer> {
  const { purpose, channel, jurisdiction = 'GDPR', ...rest } = input;
  const subject = rest as SubjectRef;
  const ask: Ask = { purpose, channel, jurisdiction };
  const now = deps.clock.now();
  const decidedAt = now.toISOString();
  const given = 'ecifId' in subject ? subject.ecifId : undefined;
  const [[named], read] = await Promise.all([
    nameSubjects(deps, [subject]),
    given ? deps.consent.current(given) : undefined,
  ]);
  const held = named.known
    ? mergedConsent(
        await Promise.all(named.ledgers.map((id) => (id === given && read ? read : deps.consent.current(id)))),
      )
    : undefined;
  const decision = answer(named, held, ask, now);
  return { ...decision, decidedAt, token: await deps.decisionSigner.sign(claimsOf({ ...decision, decidedAt }, ask)) };
}

/** What a decision on one purpose and channel needs, 33 subjects to a round trip. */
async function readConsent(deps: DecideDeps, ecifIds: string[], ask: Ask, concurrency: number) {
  const chunks = Array.from({ length: Math.ceil(ecifIds.length / 33) }, (_, i) => ecifIds.slice(i * 33, i * 33 + 33));
  const held = new Map<string, Held>();
  await pool(chunks, concurrency, async (chunk) => {
    for (const [id, v] of await deps.consent.currentFor(chunk, ask.purpose, ask.channel)) held.set(id, v);
  });
  return held;
}

/**
 * A campaign list: one purpose and channel, up to 10,000 subjects, answered in order at one instant.
 * The ECIF is asked while the consent of the subjects named by ecifId is read; the consent of those
 * named by a local id is read once the index has named them.
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
  const ask: Ask = { purpose: input.purpose, channel: input.channel, jurisdiction: input.jurisdiction ?? 'GDPR' };
  const given = [...new Set(input.subjects.flatMap((s) => ('ecifId' in s ? [s.ecifId] : [])))];
  const [names, held] = await Promise.all([
    nameSubjects(deps, input.subjects, concurrency),
    readConsent(deps, given, ask, concurrency),
  ]);
  const more = [...new Set(names.flatMap((n) => (n.known ? n.ledgers.filter((id) => !held.has(id)) : [])))];
  for (const [id, v] of await readConsent(deps, more, ask, concurrency)) held.set(id, v);
  const heldBy = (n: NamedSubject) =>
    n.known ? mergedConsent(n.ledgers.flatMap((id) => (held.has(id) ? [held.get(id)!] : []))) : undefined;
  const items = await Promise.all(
    input.subjects.map(async (subject, i) => {
      const named = names[i];
      const decision = answer(named, heldBy(named), ask, now);
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
