/**
 * The demo on top of a running local runtime: the CRM service, the core-banking table, the data
 * warehouse when asked for (PostgreSQL: WAREHOUSE_URL, else embedded PGlite), each registered as a
 * connected system, and the customers loaded into the ECIF through the API.
 */
import path from 'node:path';
import { signDevToken } from '../dev-issuer.ts';
import { allowLocalSystem, type LocalRuntime } from '../runtime.ts';
import { createCoreBankingTable, seedCoreBanking } from './core-banking.ts';
import { startDemoCrm, type DemoCrm } from './crm-service.ts';
import { closeSqlPools } from '#adapters/connectors/sql-dialects.ts';
import {
  coreBankingRecords,
  crmRecords,
  demoCustomers,
  CRM_SYSTEM_ID,
  describeCustomers,
  MARKETING_SYSTEM_ID,
  marketingRecords,
  warehouseRecords,
  withWarehouse,
  type DemoCustomer,
} from './customers.ts';
import { seedDemo, type SeedDemoResult } from './seed.ts';
import { LocalKeyFiles } from '#adapters/connectors/local-key-files.ts';
import { issuedKeyRef } from '#core/connectors/signing-keys.ts';
import { CORE_BANKING_TABLE, WAREHOUSE_CONNECTION_REF } from './systems.ts';
import { seedWarehouse, type DemoWarehouse } from './warehouse.ts';
import { walkthrough } from './walkthrough.ts';
import { HUBSPOT_DEMO_TOKEN, startHubspotCrm, withHubspot } from './hubspot-crm.ts';
import type { VendorApi } from './vendor-api.ts';

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
  /**
   * The data warehouse, started by the caller (startDemoWarehouse: its PGlite start overlaps the
   * runtime's). The demo seeds it, registers it and stops it. Absent: no warehouse.
   */
  warehouse?: Promise<DemoWarehouse>;
  /** The HubSpot-shaped CRM (a `rest` system): true, or its port. Absent: not run. */
  hubspot?: boolean | { port?: number };
}

export interface Demo {
  crm: DemoCrm;
  /** The marketing platform: the demo CRM service run as an async system (answers by callback). */
  marketing: DemoCrm;
  /** The CRM's webhook URL (as registered). */
  crmUrl: string;
  coreBankingTable: string;
  warehouse?: DemoWarehouse;
  /** The HubSpot-shaped CRM, when it runs. */
  hubspot?: VendorApi;
  customers: DemoCustomer[];
  seeded: SeedDemoResult;
  summary: string;
  walkthrough(tokens: Record<string, string>): string;
  stop(): Promise<void>;
}

export async function startDemo(runtime: LocalRuntime, opts: StartDemoOptions = {}): Promise<Demo> {
  const seed = opts.seed ?? 42;
  const drawn = demoCustomers(seed, opts.customers ?? 60);
  const withDw = opts.warehouse ? withWarehouse(drawn) : drawn;
  const customers = opts.hubspot ? withHubspot(withDw) : withDw;
  // consent.changed is signed with the deployment's key; each service's webhook key is issued at registration.
  const eventsSecret = runtime.env.CONNECTOR_SIGNING_SECRET;
  if (!eventsSecret) throw new Error('the runtime has no CONNECTOR_SIGNING_SECRET for consent.changed');

  const crm = await startDemoCrm({
    port: opts.crmPort,
    eventsSecret,
    records: crmRecords(customers),
    persistPath: opts.persist ? path.join(opts.persist, 'demo-crm.json') : undefined,
  });
  const marketing = await startDemoCrm({
    port: opts.marketingPort,
    records: marketingRecords(customers),
    persistPath: opts.persist ? path.join(opts.persist, 'demo-marketing.json') : undefined,
    hashKey: 'demo-marketing-own-hash-key',
    callbacks: { delayMs: opts.marketingDelayMs ?? 300 },
  }).catch(async (err: unknown) => {
    await crm.stop();
    throw err;
  });
  // Systems this runtime started itself: the only loopback ports it calls.
  for (const service of [crm, marketing]) allowLocalSystem(service.url);
  // A persisted run's services take their keys at once: a re-driven request may call them before the seed ends.
  const keys = new LocalKeyFiles(runtime.env.CONNECTOR_KEYS_DIR!);
  for (const [systemId, service] of [
    [CRM_SYSTEM_ID, crm],
    [MARKETING_SYSTEM_ID, marketing],
  ] as const) {
    const kept = keys.read(issuedKeyRef(systemId))?.current;
    if (kept) service.useSecret(kept);
  }
  const hubspot = opts.hubspot
    ? await startHubspotCrm(customers, typeof opts.hubspot === 'object' ? opts.hubspot.port : undefined).catch(
        async (err: unknown) => {
          await Promise.all([crm.stop(), marketing.stop()]);
          throw err;
        },
      )
    : undefined;
  if (hubspot) allowLocalSystem(hubspot.url);
  // The CRM subscribes to consent.changed (the local publisher reads this at each publish).
  process.env.CONSENT_SUBSCRIBERS = `${crm.baseUrl}/events`;
  let warehouse: DemoWarehouse | undefined;
  const stop = async () => {
    // The connector's pool first: its idle connections to the warehouse must not see it go away.
    await closeSqlPools();
    await warehouse?.stop();
    await Promise.all([crm.stop(), marketing.stop(), hubspot?.stop()]);
  };
  try {
    // The warehouse first: PGlite's start holds the event loop in long slices, and SDK calls in flight
    // meanwhile have been seen to fail with reset sockets on a loaded machine.
    warehouse = await opts.warehouse;
    const { tableName, created } = await createCoreBankingTable(
      runtime.dynamo.client,
      opts.coreBankingTable ?? CORE_BANKING_TABLE,
    );
    // A persisted table keeps what earlier erasures did to it: seed only a new one.
    if (created) await seedCoreBanking(runtime.dynamo.client, tableName, coreBankingRecords(customers));
    if (warehouse) {
      // The connector finds the URL by reference, as it would a secret's value in AWS.
      process.env[`CONNECTOR_DB_${WAREHOUSE_CONNECTION_REF.toUpperCase()}`] = warehouse.url;
      await seedWarehouse(warehouse.url, warehouse.table, warehouseRecords(customers));
    }

    const [stewardToken, operatorToken] = await Promise.all([
      signDevToken({ role: 'steward' }),
      signDevToken({ role: 'operator' }),
    ]);
    const seeded = await seedDemo({
      apiUrl: runtime.apiUrl,
      stewardToken,
      operatorToken,
      crmUrl: crm.url,
      marketingUrl: marketing.url,
      coreBankingTable: tableName,
      ...(warehouse ? { warehouseTable: warehouse.table } : {}),
      ...(hubspot ? { hubspotUrl: hubspot.url } : {}),
      customers,
    });
    // Each service takes the key it was issued, as its operator would from the registration's answer
    // (a persisted run registered them before: the key is where the runtime keeps it).
    for (const [systemId, service] of [
      [CRM_SYSTEM_ID, crm],
      [MARKETING_SYSTEM_ID, marketing],
    ] as const) {
      const key = seeded.signingKeys[systemId] ?? keys.read(issuedKeyRef(systemId))?.current;
      if (!key) throw new Error(`the demo system ${systemId} was issued no signing key`);
      service.useSecret(key);
    }
    const erased = seeded.keptErased.length ? `; ${seeded.keptErased.length} kept erased from an earlier run` : '';
    return {
      crm,
      marketing,
      crmUrl: crm.url,
      coreBankingTable: tableName,
      ...(warehouse ? { warehouse } : {}),
      ...(hubspot ? { hubspot } : {}),
      customers,
      seeded,
      summary: `${describeCustomers(customers, seed)}${erased}`,
      walkthrough: (tokens) =>
        walkthrough({
          apiUrl: runtime.apiUrl,
          crmUrl: crm.baseUrl,
          marketingUrl: marketing.baseUrl,
          tokens,
          customer: customers[0],
          erasureSubject: customers[1] ?? customers[0],
          ...(warehouse ? { warehouse: { url: warehouse.url, table: warehouse.table } } : {}),
          ...(hubspot ? { hubspot: { url: hubspot.url, token: HUBSPOT_DEMO_TOKEN } } : {}),
        }),
      stop,
    };
  } catch (err) {
    // A warehouse that started after a failure elsewhere is stopped too.
    warehouse ??= await opts.warehouse?.catch(() => undefined);
    await stop();
    throw err;
  }
}
