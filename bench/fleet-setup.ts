/**
 * The local runtime with a fleet of webhook systems registered through the API (operator) and
 * customers loaded into the ECIF through the API (steward), each cross-referenced in every system;
 * erasures submitted by the signed-in customer (verified by the login) and followed to the end.
 */
import { demoCustomers, type DemoCustomer } from '#infra/local/demo/customers.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { allowLocalSystem, startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { startVendorApi, type VendorApi } from '#infra/local/demo/vendor-api.ts';
import { startWebhookFleet, type WebhookFleet } from './webhook-fleet.ts';

export interface FleetRuntime {
  runtime: LocalRuntime;
  fleet: WebhookFleet;
  /** The webhook systems. */
  systemIds: string[];
  /** The `rest` systems (Stripe-shaped stand-ins on the shipped `stripe` definition), each with its vendor. */
  rest: { systemId: string; vendor: VendorApi }[];
  customers: DemoCustomer[];
  /** The customer's dev token (signed once, then kept). */
  token(c: DemoCustomer): Promise<string>;
  /** Submits a customer's erasure (202), returns the request id. */
  submitErasure(c: DemoCustomer): Promise<string>;
  /** Waits for the request's execution to end; the request's status as GET answers it. */
  finished(id: string): Promise<{ status: string; systems: { systemId: string; state: string }[] }>;
  stop(): Promise<void>;
}

const localIdOf = (c: DemoCustomer) => `L-${c.ecifId}`;
/** A Stripe customer id. */
const restIdOf = (c: DemoCustomer) => `cus_${c.ecifId}`;

async function call(method: string, url: string, token: string, body?: unknown): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return res;
}

export async function startFleetRuntime(opts: {
  systems: number;
  delayMs: number;
  customers: number;
  seed?: number;
  /** Of `systems`, how many are `rest` systems instead of webhooks. @default 0 */
  restSystems?: number;
}): Promise<FleetRuntime> {
  const runtime = await startLocalRuntime({ port: 0 });
  const fleet = await startWebhookFleet({ secret: runtime.env.CONNECTOR_SIGNING_SECRET, delayMs: opts.delayMs });
  allowLocalSystem(fleet.url('any'));
  const rest: FleetRuntime['rest'] = [];
  try {
    const [operator, steward] = await Promise.all([
      signDevToken({ role: 'operator' }),
      signDevToken({ role: 'steward' }),
    ]);
    const api = runtime.apiUrl;
    const restCount = opts.restSystems ?? 0;
    const systemIds = Array.from(
      { length: opts.systems - restCount },
      (_, i) => `bench-${String(i + 1).padStart(2, '0')}`,
    );
    const drawn = demoCustomers(opts.seed ?? 11, opts.customers);
    process.env.CONNECTOR_SECRET_BENCH_STRIPE = 'rk_test_bench';
    for (let i = 0; i < restCount; i++) {
      const records = Object.fromEntries(drawn.map((c) => [restIdOf(c), { email: c.email, name: 'Bench Subject' }]));
      const vendor = await startVendorApi({ kind: 'stripe', secret: 'rk_test_bench', records: { customer: records } });
      const systemId = `bench-rest-${String(i + 1).padStart(2, '0')}`;
      rest.push({ systemId, vendor });
      allowLocalSystem(vendor.url);
      const res = await call('PUT', `${api}/v1/systems/${systemId}`, operator, {
        name: `Bench rest system ${systemId}`,
        connector: { kind: 'rest', definition: 'stripe', baseUrl: vendor.url, secretRef: 'bench_stripe' },
        capabilities: ['erase', 'verify'],
        fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        concurrency: 4,
      });
      if (res.status !== 201) throw new Error(`PUT /v1/systems/${systemId} answered ${res.status}`);
    }
    for (const systemId of systemIds) {
      const res = await call('PUT', `${api}/v1/systems/${systemId}`, operator, {
        name: `Bench system ${systemId}`,
        // One process plays every system: they opt in to the deployment's shared key.
        connector: { kind: 'http', url: fleet.url(systemId), mode: 'sync', timeoutMs: 10_000, sharedSecret: true },
        capabilities: ['erase', 'verify'],
        fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
        concurrency: 4,
      });
      if (res.status !== 200 && res.status !== 201)
        throw new Error(`PUT /v1/systems/${systemId} answered ${res.status}`);
    }
    // Distinct subjects, each known to every system under its own local id.
    const customers = drawn.map((c) => ({
      ...c,
      input: {
        ...c.input,
        crossReferences: [
          ...systemIds.map((systemId) => ({ systemId, localId: localIdOf(c) })),
          ...rest.map(({ systemId }) => ({ systemId, localId: restIdOf(c) })),
        ],
      },
    }));
    const queue = [...customers];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let c = queue.shift(); c; c = queue.shift()) {
          const res = await call('PUT', `${api}/v1/ecif/customers/${c.ecifId}`, steward, c.input);
          if (res.status !== 201 && res.status !== 200)
            throw new Error(`PUT /v1/ecif/customers answered ${res.status}`);
        }
      }),
    );

    const tokens = new Map<string, Promise<string>>();
    const token = (c: DemoCustomer) => {
      let t = tokens.get(c.ecifId);
      if (!t) tokens.set(c.ecifId, (t = signDevToken({ role: 'customer', sub: c.ecifId })));
      return t;
    };
    const executionArn = (id: string) =>
      `${runtime.env.STATE_MACHINE_ARN.replace(':stateMachine:', ':execution:')}:${id}`;
    return {
      runtime,
      fleet,
      systemIds,
      rest,
      customers,
      token,
      async submitErasure(c) {
        const res = await call('POST', `${api}/v1/privacy-requests`, await token(c), {
          type: 'erasure',
          jurisdiction: 'GDPR',
          identifiers: { email: c.email },
        });
        if (res.status !== 202) throw new Error(`submit answered ${res.status}`);
        return ((await res.json()) as { id: string }).id;
      },
      async finished(id) {
        await runtime.sfn.waitForExecution(executionArn(id));
        const res = await call('GET', `${api}/v1/privacy-requests/${id}`, operator);
        if (res.status !== 200) throw new Error(`GET request answered ${res.status}`);
        return (await res.json()) as { status: string; systems: { systemId: string; state: string }[] };
      },
      async stop() {
        await Promise.all([fleet.stop(), ...rest.map((r) => r.vendor.stop())]);
        await runtime.stop();
      },
    };
  } catch (err) {
    await Promise.all([fleet.stop(), ...rest.map((r) => r.vendor.stop())]);
    await runtime.stop();
    throw err;
  }
}

export { localIdOf };
