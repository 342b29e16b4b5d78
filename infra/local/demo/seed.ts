/**
 * Loads the demo through the public API, as an operator and a data steward would: the two
 * connected systems, then every customer with its cross-references.
 */
import type { DemoCustomer } from './customers.ts';
import { demoSystems } from './systems.ts';

export interface SeedDemoOptions {
  apiUrl: string;
  stewardToken: string;
  operatorToken: string;
  /** The demo CRM's webhook URL. */
  crmUrl: string;
  /** The marketing platform's webhook (async), when it runs. */
  marketingUrl?: string;
  coreBankingTable: string;
  /** The warehouse table, when the demo warehouse runs. */
  warehouseTable?: string;
  customers: DemoCustomer[];
  /** Calls in flight at once (default 8). */
  concurrency?: number;
}

export interface SeedDemoResult {
  systems: number;
  created: number;
  updated: number;
  /**
   * Customers erased on request in an earlier run (--persist): the API refuses to bring them back
   * (409), which is what it should do, so the seed leaves them erased.
   */
  keptErased: string[];
  /** The keys the HTTP systems were issued at their registration now (shown once: the demo hands each to its service). */
  signingKeys: Record<string, string>;
}

export class SeedError extends Error {
  constructor(
    readonly call: string,
    readonly status: number,
    readonly problemTitle: string | undefined,
  ) {
    super(
      status === 0
        ? `demo seed: ${call} could not reach the API${problemTitle ? ` (${problemTitle})` : ''}`
        : `demo seed: ${call} answered ${status}${problemTitle ? ` ${problemTitle}` : ''}`,
    );
    this.name = 'SeedError';
  }
}

interface Reply {
  /** 0: no answer (refused, reset, timed out). */
  status: number;
  unreachable?: string;
  problem?: { title?: string; type?: string; reason?: string; errors?: { path?: string }[] };
  /** A system's registration: the key it was issued, when it was issued one now. */
  signingSecret?: string;
}

async function put(url: string, token: string, body: unknown): Promise<Reply> {
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    text = await res.text();
  } catch (err) {
    const cause = (err as Error).cause as { code?: string; name?: string } | undefined;
    return { status: 0, unreachable: cause?.code ?? cause?.name ?? (err as Error).name };
  }
  if (res.ok) {
    const answer = text ? (JSON.parse(text) as { signingSecret?: unknown }) : {};
    return {
      status: res.status,
      ...(typeof answer.signingSecret === 'string' ? { signingSecret: answer.signingSecret } : {}),
    };
  }
  try {
    return { status: res.status, problem: JSON.parse(text) };
  } catch {
    return { status: res.status };
  }
}

/** Field paths and the problem type only: a problem's detail or a body may hold personal data. */
function describe({ problem, unreachable }: Reply): string | undefined {
  if (unreachable) return unreachable;
  if (!problem) return undefined;
  const kind = problem.type?.split('/').pop();
  const paths = problem.errors?.map((e) => e.path).filter(Boolean) ?? [];
  return [problem.title, kind && `(${kind})`, paths.length ? `at ${paths.slice(0, 5).join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}

const erasedBefore = (r: Reply) =>
  r.status === 409 &&
  (r.problem?.reason === 'erased' || r.problem?.reason === 'suppressed' || r.problem?.type?.endsWith('/suppressed'));

export async function seedDemo(opts: SeedDemoOptions): Promise<SeedDemoResult> {
  const api = opts.apiUrl.replace(/\/+$/, '');
  const systems = demoSystems({
    crmUrl: opts.crmUrl,
    coreBankingTable: opts.coreBankingTable,
    marketingUrl: opts.marketingUrl,
    warehouseTable: opts.warehouseTable,
  });
  const signingKeys: Record<string, string> = {};
  for (const [systemId, body] of Object.entries(systems)) {
    const r = await put(`${api}/v1/systems/${encodeURIComponent(systemId)}`, opts.operatorToken, body);
    if (r.status !== 200 && r.status !== 201) throw new SeedError(`PUT /v1/systems/${systemId}`, r.status, describe(r));
    if (r.signingSecret) signingKeys[systemId] = r.signingSecret;
  }

  const result: SeedDemoResult = {
    systems: Object.keys(systems).length,
    created: 0,
    updated: 0,
    keptErased: [],
    signingKeys,
  };
  const queue = [...opts.customers];
  let failure: SeedError | undefined;
  const worker = async () => {
    for (let c = queue.shift(); c && !failure; c = queue.shift()) {
      const call = `PUT /v1/ecif/customers/${c.ecifId}`;
      const r = await put(`${api}/v1/ecif/customers/${encodeURIComponent(c.ecifId)}`, opts.stewardToken, c.input);
      if (r.status === 201) result.created++;
      else if (r.status === 200) result.updated++;
      else if (erasedBefore(r)) result.keptErased.push(c.ecifId);
      else failure ??= new SeedError(call, r.status, describe(r));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, opts.concurrency ?? 8) }, worker));
  if (failure) throw failure;
  result.keptErased.sort();
  return result;
}
