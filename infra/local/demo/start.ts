/**
 * The demo on top of a running local runtime: the CRM service, the core-banking table, both
 * registered as connected systems, and the customers loaded into the ECIF through the API.
 */
import path from 'node:path';
import { signDevToken } from '../dev-issuer.ts';
import type { LocalRuntime } from '../runtime.ts';
import { createCoreBankingTable, seedCoreBanking } from './core-banking.ts';
import { startDemoCrm, type DemoCrm } from './crm-service.ts';
import { coreBankingRecords, crmRecords, demoCustomers, describeCustomers, marketingRecords, type DemoCustomer } from './customers.ts';
import { seedDemo, type SeedDemoResult } from './seed.ts';
import { CORE_BANKING_TABLE } from './systems.ts';
import { walkthrough } from './walkthrough.ts';

export interface StartDemoOptions {
  crmPort?: number;
  /** The marketing platform's port (0 or absent: a free one). */
  marketingPort?: number;
  /** How long the marketing platform takes before it calls back. @default 300 */
  marketingDelayMs?: number;
  seed?: number;
  customers?: number;
  /** Directory the runtime persists to: the CRM keeps its store there too. */
  persist?: string;
  coreBankingTable?: string;
}

export interface Demo {
  crm: DemoCrm;
  /** The marketing platform: the demo CRM service run as an async system (answers by callback). */
  marketing: DemoCrm;
  /** The CRM's webhook URL (as registered). */
  crmUrl: string;
  coreBankingTable: string;
  customers: DemoCustomer[];
  seeded: SeedDemoResult;
  summary: string;
  walkthrough(tokens: Record<string, string>): string;
  stop(): Promise<void>;
}

export async function startDemo(runtime: LocalRuntime, opts: StartDemoOptions = {}): Promise<Demo> {
  const seed = opts.seed ?? 42;
  const customers = demoCustomers(seed, opts.customers ?? 60);
  const secret = runtime.env.CONNECTOR_SIGNING_SECRET;
  if (!secret) throw new Error('the runtime has no CONNECTOR_SIGNING_SECRET for the demo CRM');

  const crm = await startDemoCrm({
    port: opts.crmPort,
    secret,
    records: crmRecords(customers),
    persistPath: opts.persist ? path.join(opts.persist, 'demo-crm.json') : undefined,
  });
  const marketing = await startDemoCrm({
    port: opts.marketingPort,
    secret,
    records: marketingRecords(customers),
    persistPath: opts.persist ? path.join(opts.persist, 'demo-marketing.json') : undefined,
    hashKey: 'demo-marketing-own-hash-key',
    callbacks: { delayMs: opts.marketingDelayMs ?? 300 },
  }).catch(async (err: unknown) => {
    await crm.stop();
    throw err;
  });
  // The CRM subscribes to consent.changed (the local publisher reads this at each publish).
  process.env.CONSENT_SUBSCRIBERS = `${crm.baseUrl}/events`;
  try {
    const { tableName, created } = await createCoreBankingTable(runtime.dynamo.client, opts.coreBankingTable ?? CORE_BANKING_TABLE);
    // A persisted table keeps what earlier erasures did to it: seed only a new one.
    if (created) await seedCoreBanking(runtime.dynamo.client, tableName, coreBankingRecords(customers));

    const [stewardToken, operatorToken] = await Promise.all([signDevToken({ role: 'steward' }), signDevToken({ role: 'operator' })]);
    const seeded = await seedDemo({
      apiUrl: runtime.apiUrl,
      stewardToken,
      operatorToken,
      crmUrl: crm.url,
      marketingUrl: marketing.url,
      coreBankingTable: tableName,
      customers,
    });
    const erased = seeded.keptErased.length ? `; ${seeded.keptErased.length} kept erased from an earlier run` : '';
    return {
      crm,
      marketing,
      crmUrl: crm.url,
      coreBankingTable: tableName,
      customers,
      seeded,
      summary: `${describeCustomers(customers, seed)}${erased}`,
      walkthrough: (tokens) =>
        walkthrough({ apiUrl: runtime.apiUrl, crmUrl: crm.baseUrl, tokens, customer: customers[0], erasureSubject: customers[1] ?? customers[0] }),
      stop: async () => {
        await Promise.all([crm.stop(), marketing.stop()]);
      },
    };
  } catch (err) {
    await Promise.all([crm.stop(), marketing.stop()]);
    throw err;
  }
}
