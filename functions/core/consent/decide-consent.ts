import type { EcifRegistry } from '../ecif/ports.ts';
import { identityKeysOf, type IdentityHasher } from '../ecif/identifiers.ts';
import type { Clock } from '../shared/clock.ts';
import type { DecisionInput } from './consent.ts';
import { decide, type Decision } from './decide.ts';
import type { ConsentLedger } from './ports.ts';

export interface DecideDeps {
  consent: ConsentLedger;
  ecif: EcifRegistry;
  hash: IdentityHasher;
  clock: Clock;
}

/** One Query once the ecifId is known; one index read more when the caller names its own local id. */
export async function decideConsent(deps: DecideDeps, input: DecisionInput): Promise<Decision & { ecifId?: string; decidedAt: string }> {
  const now = deps.clock.now();
  const ecifId =
    'ecifId' in input
      ? input.ecifId
      : await deps.ecif.findByIdentity(identityKeysOf({ systemRef: { systemId: input.systemId, localId: input.localId } }, deps.hash)[0]);
  if (!ecifId) return { decision: 'deny', reason: 'unknown_subject', decidedAt: now.toISOString() };
  const { states, flags } = await deps.consent.current(ecifId);
  return { ...decide(input.purpose, input.channel, states, flags, now), ecifId, decidedAt: now.toISOString() };
}
