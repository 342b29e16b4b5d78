/**
 * erasure: one erasure end to end (POST, the state machine, both demo systems, finalize, observed
 * by polling GET) against the time of the same number of DynamoDB calls it made, issued alone,
 * sequentially, as raw GetItem/PutItem on the same DynamoDB Local.
 */
import { startDemo } from '#infra/local/demo/start.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime } from '#infra/local/runtime.ts';
import { countHandlerCalls, rawCalls } from './dynamo-calls.ts';
import { median, type BenchResult } from './table.ts';

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const runs = opts.runs;
  const runtime = await startLocalRuntime({ port: 0 });
  const demo = await startDemo(runtime, { crmPort: 0, seed: 7, customers: runs + 2 });
  try {
    // Count every DynamoDB call the handlers make (they share this process and this client).
    const calls = countHandlerCalls();
    const operator = await signDevToken({ role: 'operator' });

    /** A signed-in customer's erasure (verified by the login: no code round trip in the figure). */
    async function eraseOne(email: string, ecifId: string): Promise<{ ms: number; calls: number }> {
      const customer = await signDevToken({ role: 'customer', sub: ecifId });
      const before = calls().calls;
      const started = performance.now();
      const res = await fetch(`${runtime.apiUrl}/v1/privacy-requests`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${customer}` },
        body: JSON.stringify({ type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } }),
      });
      if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
      const { id } = (await res.json()) as { id: string };
      const arn = `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}`;
      await runtime.sfn.waitForExecution(arn);
      const done = (await (
        await fetch(`${runtime.apiUrl}/v1/privacy-requests/${id}`, { headers: { authorization: `Bearer ${operator}` } })
      ).json()) as {
        status: string;
      };
      if (done.status !== 'completed') throw new Error(`erasure ended ${done.status}`);
      return { ms: performance.now() - started, calls: calls().calls - before };
    }

    const customers = demo.customers.slice(1, runs + 2);
    await eraseOne(customers[0].email, customers[0].ecifId); // warm-up: handler modules load, JIT
    const erasures: number[] = [];
    const baselines: number[] = [];
    let perErasure = 0;
    for (const c of customers.slice(1)) {
      const e = await eraseOne(c.email, c.ecifId);
      perErasure = e.calls;
      erasures.push(e.ms);
      baselines.push(await rawCalls(runtime, e.calls));
    }
    const e = median(erasures);
    const b = median(baselines);
    return [
      {
        bench: 'erasure end to end vs its DynamoDB calls alone',
        ratio: e / b,
        detail: `median of ${erasures.length}; ${perErasure} DynamoDB calls per erasure; ${Math.round(e)} ms vs ${Math.round(b)} ms`,
      },
    ];
  } finally {
    await demo.stop();
    await runtime.stop();
  }
}
