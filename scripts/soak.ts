/**
 * `npm run soak -- [--minutes 30] [--customers 200] [--workers 6]`: mixed consent captures, decisions
 * and erasure requests against the local runtime with faults injected into the demo CRM (5xx bursts,
 * long outages), erasures spread over the run so that half the customers are still there at its end
 * (captures and decisions go to those, and now and then to an erased one: refused), then the invariants: every request reached a final state (and no request of the table is left
 * received or in progress), each consent projection
 * equals the latest event of its ledger, every audit chain verifies. Prints the counts; exits 1 on
 * any broken invariant. Not in `npm test`: it runs for minutes.
 */
import '#infra/local/lambda-streaming.ts';
import { parseArgs } from 'node:util';
import { verifySealed } from '#core/audit/event.ts';
import type { LedgerEvent } from '#core/consent/consent.ts';
import { replay } from '#core/consent/history.ts';
import { terminalStatuses } from '#core/requests/request.ts';
import { idsLeftWorking } from '#core/requests/run-failures.ts';
import { deps } from '#handlers/deps.ts';
import { startDemo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    customers: { type: 'string', default: '200' },
    workers: { type: 'string', default: '6' },
  },
});

// Retries of injected faults would fill the screen: `npm run soak` sets LOG_LEVEL=error before any import
// (the logger reads it as it loads, so a line here would come too late).
const runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 50 });
const demo = await startDemo(runtime, { crmPort: 0, customers: Number(values.customers), seed: 11 });
const crm = await signDevToken({ role: 'crm' });
// capturesRefused: captures for customers erased meanwhile (404), as expected.
const counts = {
  captures: 0,
  capturesRefused: 0,
  decisions: 0,
  erasures: 0,
  faultsInjected: 0,
  http4xx: 0,
  http5xx: 0,
};
const requestIds: string[] = [];
const started = Date.now();
// Counted from here: starting the runtime and the demo (a minute on a busy box) is not load.
const until = started + Number(values.minutes) * 60_000;
const erasable = demo.customers.slice(1);
/** Erased: no longer a target of captures and decisions, but for the odd one (the refusal path). */
const erased: typeof demo.customers = [];
const live = () => demo.customers.filter((c) => !erased.includes(c));
/** Erasures due by now: half the erasable customers over the whole run, evenly. */
const toErase = Math.ceil(erasable.length / 2);
const erasuresDue = () => Math.floor(((Date.now() - started) / (until - started)) * toErase) + 1;
const purposes = ['marketing', 'profiling', 'analytics'] as const;
const channels = ['email', 'sms', 'any'] as const;
const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];

async function post(path: string, body: unknown, token?: string) {
  const res = await fetch(`${runtime.apiUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });
  if (res.status >= 500) counts.http5xx++;
  else if (res.status >= 400) counts.http4xx++;
  return { status: res.status, body: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined };
}

async function worker(): Promise<void> {
  while (Date.now() < until) {
    const roll = Math.random();
    const subject = erased.length > 0 && Math.random() < 0.02 ? pick(erased) : pick(live());
    if (roll < 0.5) {
      const r = await post(
        '/v1/consents',
        {
          ecifId: subject.ecifId,
          choices: [
            {
              purpose: pick(purposes),
              channel: pick(channels),
              state: pick(['granted', 'withdrawn', 'denied'] as const),
            },
          ],
          jurisdiction: 'GDPR',
          notice: { id: 'privacy-notice', version: '3' },
          method: 'crm',
          evidence: { reference: 'soak' },
        },
        crm,
      );
      if (r.status === 201) counts.captures++;
      else if (r.status === 404) counts.capturesRefused++;
    } else if (roll < 0.99) {
      const r = await post(
        '/v1/consent-decisions',
        { ecifId: subject.ecifId, purpose: pick(purposes), channel: pick(channels) },
        crm,
      );
      if (r.status === 200) counts.decisions++;
    } else if (erasable.length > 0 && erased.length < erasuresDue()) {
      const target = erasable.splice(Math.floor(Math.random() * erasable.length), 1)[0];
      erased.push(target);
      if (Math.random() < 0.3) {
        // A burst of 5xx (retried) or, now and then, an outage longer than the retries.
        demo.crm.failNext(Math.random() < 0.8 ? 2 : 8, 503);
        counts.faultsInjected++;
      }
      // Signed in: verified by the login, so every erasure runs the workflow (anonymous ones wait for a code).
      const token = await signDevToken({ role: 'customer', sub: target.ecifId });
      const r = await post(
        '/v1/privacy-requests',
        { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: target.email } },
        token,
      );
      if (r.status === 202) {
        counts.erasures++;
        requestIds.push(String(r.body!.id));
      }
    }
  }
}

console.error(`soak: ${values.minutes} min, ${values.workers} workers, ${demo.customers.length} customers`);
await Promise.all(Array.from({ length: Number(values.workers) }, worker));
demo.crm.failNext(0);

// Let every execution end, then check the invariants.
const broken: string[] = [];
const deadline = Date.now() + 120_000;
const d = await deps();
const finalStates: Record<string, number> = {};
for (const id of requestIds) {
  let request = await d.requests.get(id);
  while (
    request &&
    !terminalStatuses.includes(request.status) &&
    request.status !== 'needs_attention' &&
    Date.now() < deadline
  ) {
    await new Promise((r) => setTimeout(r, 200));
    request = await d.requests.get(id);
  }
  const status = request?.status ?? 'missing';
  finalStates[status] = (finalStates[status] ?? 0) + 1;
  if (!request || !(terminalStatuses.includes(request.status) || request.status === 'needs_attention'))
    broken.push(`request ${id} ended ${status}`);
}
// Not only those submitted here (opt-outs propagated from consent, follow-ups, retries): once the load has
// stopped and the executions have ended, no request of the table is left in a working status.
let leftWorking = await idsLeftWorking(d.requests);
while (leftWorking.length > 0 && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 500));
  leftWorking = await idsLeftWorking(d.requests);
}
for (const id of leftWorking) broken.push(`request ${id} left in a working status`);

// The checks read through the ports, partition by partition (a Scan of a large table pages in
// quadratic time on DynamoDB Local): each customer's ledger and projections, each stream's stored bytes.
let consentProjections = 0;
for (const c of demo.customers) {
  const events: LedgerEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await d.consent.history(c.ecifId, { cursor, limit: 1000 });
    events.push(...page.items);
    cursor = page.next;
  } while (cursor);
  // The projection a decision reads must be the ledger replayed: choices and flags.
  const replayed = replay(events);
  const current = await d.consent.current(c.ecifId);
  for (const cur of current.states) {
    consentProjections++;
    const latest = replayed.states.find((s) => s.purpose === cur.purpose && s.channel === cur.channel);
    if (latest?.eventId !== cur.eventId)
      broken.push(`consent projection of ${c.ecifId} ${cur.purpose}/${cur.channel} is not the latest event`);
  }
  if (JSON.stringify(current.flags) !== JSON.stringify(replayed.flags))
    broken.push(`consent flags of ${c.ecifId} are not the ledger's flag events replayed`);
}

// Every stream written since the runtime started (the audit log's day index), verified from the bytes as stored.
const streams = await d.audit.streamsIn({
  from: new Date(started - 3_600_000).toISOString(),
  to: new Date(Date.now() + 60_000).toISOString(),
});
let auditEvents = 0;
for (const stream of streams) {
  const sealed = await d.audit.sealed(stream);
  auditEvents += sealed.length;
  const brk = verifySealed(stream, sealed);
  if (brk) broken.push(`audit ${stream}: ${brk.problem} at seq ${brk.seq}`);
}

console.log(
  JSON.stringify(
    {
      ...counts,
      customersLeft: live().length,
      requestsByFinalState: finalStates,
      requestsLeftWorking: leftWorking.length,
      consentProjections,
      auditStreams: streams.length,
      auditEvents,
      broken,
    },
    null,
    2,
  ),
);
await demo.stop();
await runtime.stop();
process.exit(broken.length || counts.http5xx ? 1 : 0);
