/**
 * Submitting a privacy request. Accepted at once (202) with its statutory deadlines. Who the subject is
 * decides what happens next:
 *  - opt-outs and objection (no verification needed) take effect in consent now, then fan out;
 *  - a signed-in customer is verified by the login: the workflow starts;
 *  - anyone else waits for a one-time code sent to a contact on file (see verification.ts).
 */
import type { AuditLog } from '../audit/ports.ts';
import type { ConsentLedger } from '../consent/ports.ts';
import { identityKeysOf, type IdentityHasher } from '../ecif/identifiers.ts';
import type { EcifRegistry } from '../ecif/ports.ts';
import { resolveByKeys } from '../ecif/resolve-subject.ts';
import { survivingRecord } from '../ecif/survivor.ts';
import { contactOnFile, type Outbox } from '../notifications/outbox.ts';
import type { Actor } from '#core/shared/actor.ts';
import type { Clock } from '#core/shared/clock.ts';
import { newId } from '#core/shared/ids.ts';
import type { Holidays } from './deadlines.ts';
import { correctionRefusal, normalizedCorrections } from './corrections.ts';
import { applyImmediateRight } from './immediate-rights.ts';
import type { RequestStore, RequestWorkflow } from './ports.ts';
import { receivedRequest, recordReceived } from './received.ts';
import { startRun } from './run-failures.ts';
import { needsVerification, type PrivacyRequest, type RequestInput } from './request.ts';
import { codeMinutes, hashCode, hashRequesterKey, newCode, newRequesterKey, unmatchableHash } from './verification.ts';

export interface RequestDeps {
  requests: RequestStore;
  workflow: RequestWorkflow;
  audit: AuditLog;
  ecif: EcifRegistry;
  consent: ConsentLedger;
  outbox: Outbox;
  hash: IdentityHasher;
  clock: Clock;
  /** Keys the verification-code and requester-key HMACs. */
  requestKey: string;
  holidays: Holidays;
}

export interface Submitted {
  request: PrivacyRequest;
  /** Shown once, to an anonymous requester: its way back to the request. */
  requesterKey?: string;
  /** A signed-in customer's second open request of one type: the first one is answered instead. */
  duplicate?: boolean;
}

export async function submitRequest(deps: RequestDeps, input: RequestInput, requester: Actor): Promise<Submitted> {
  const received = deps.clock.now();
  const at = received.toISOString();
  const identityKeys = identityKeysOf(input.identifiers, deps.hash);
  // A signed-in customer is its ecifId; anyone else is whoever every identifier given points to.
  const byLogin = requester.role === 'customer';
  const ecifId = byLogin
    ? ((await survivingRecord(deps.ecif, requester.principal))?.ecifId ?? requester.principal)
    : (await resolveByKeys(deps.ecif, identityKeys))?.ecifId;
  // Corrected values are held to the ECIF's rules before anything is stored. Whether another customer
  // holds one is asked here only of a signed-in customer: to anyone else the answer would say who is
  // a customer; their run checks it before any system is written (assertCorrectionsTakeable).
  const corrections = input.corrections && normalizedCorrections(input.corrections);
  if (corrections && byLogin) {
    const refusal = await correctionRefusal(deps, ecifId!, corrections);
    if (refusal) throw refusal;
  }
  const id = newId(received);
  const verifyByCode = needsVerification(input.type) && !byLogin;
  const code = verifyByCode ? newCode() : undefined;
  const contact = verifyByCode && ecifId ? contactOnFile(await deps.ecif.getCustomer(ecifId)) : undefined;
  const requesterKey = byLogin ? undefined : newRequesterKey();

  if (byLogin && needsVerification(input.type)) {
    const holder = await deps.requests.claimOpen(ecifId!, input.type, id);
    const open = holder !== id ? await deps.requests.get(holder) : undefined;
    if (open) return { request: open, duplicate: true };
  }

  const request = receivedRequest(
    {
      id,
      type: input.type,
      jurisdiction: input.jurisdiction,
      channel: input.channel,
      status: verifyByCode ? 'pending_verification' : 'received',
      identityKeys,
      ...(ecifId ? { ecifId } : {}),
      verification: !needsVerification(input.type)
        ? { state: 'verified', method: 'not_required' }
        : byLogin
          ? { state: 'verified', method: 'login', verifiedAt: at }
          : {
              state: 'pending',
              method: 'code',
              // No contact on file (or no one matched): a code that can never match, and nothing sent.
              codeHash: contact ? hashCode(deps.requestKey, id, code!) : unmatchableHash(),
              codeExpiresAt: new Date(received.getTime() + codeMinutes * 60_000).toISOString(),
              attempts: 0,
            },
      ...(requesterKey ? { requesterKeyHash: hashRequesterKey(deps.requestKey, id, requesterKey) } : {}),
      ...(corrections ? { corrections } : {}),
    },
    received,
    deps.holidays,
  );
  await deps.requests.create(request);
  await recordReceived(
    deps,
    request,
    requester,
    {
      identifierKinds: identityKeys.map((k) => k.kind),
      // Kinds only, never the address; "none" when no one matched or no contact is on file.
      ...(verifyByCode ? { codeSentTo: contact ? Object.keys(contact)[0] : 'none' } : {}),
    },
    // Not named before the code proves who asks.
    ecifId && !verifyByCode ? { ecifId } : {},
  );
  if (contact)
    await deps.outbox.send({
      requestId: id,
      to: contact,
      notice: { kind: 'verification_code', code: code!, minutes: codeMinutes },
    });
  if (!verifyByCode) {
    if (ecifId && !needsVerification(input.type)) await applyImmediateRight(deps, request, requester);
    await acknowledge(deps, request);
    // A start that failed left the request needing attention: the answer says so.
    if (!(await startRun(deps, id)))
      return { request: (await deps.requests.get(id))!, ...(requesterKey ? { requesterKey } : {}) };
  }
  return { request, ...(requesterKey ? { requesterKey } : {}) };
}

/** 11 CCR §7021(a): the requester is told the request was received and by when it will be answered. */
export async function acknowledge(deps: Pick<RequestDeps, 'ecif' | 'outbox'>, request: PrivacyRequest): Promise<void> {
  const contact = request.ecifId ? contactOnFile(await deps.ecif.getCustomer(request.ecifId)) : undefined;
  if (contact)
    await deps.outbox.send({
      requestId: request.id,
      to: contact,
      notice: { kind: 'acknowledged', type: request.type, dueAt: request.dueAt },
    });
}
