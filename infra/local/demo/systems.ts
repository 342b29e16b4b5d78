/**
 * The demo connected systems as an operator registers them (PUT /v1/systems/{systemId}): which
 * connector reaches them, and what erasure does to each field they hold.
 */
import type { z } from 'zod';
import type { systemInputSchema } from '#core/connectors/system.ts';
import { CORE_BANKING_SYSTEM_ID, CRM_SYSTEM_ID, MARKETING_SYSTEM_ID, WAREHOUSE_SYSTEM_ID } from './customers.ts';
import { HUBSPOT_SYSTEM_ID, hubspotSystem } from './hubspot-crm.ts';

export type SystemBody = z.input<typeof systemInputSchema>;

export const CORE_BANKING_TABLE = 'custodian-connected-core-banking';
export const CORE_BANKING_KEY = 'accountId';

/** Record-keeping duty of banks: customer due diligence and transaction records, 5 years after the relationship ends. */
export const amlExemption = {
  basis: 'AML record-keeping',
  citation: 'EU AMLD Art. 40; 31 CFR 1010.430',
  years: 5,
  from: 'relationship_end',
} as const;

/** The CRM: a sync HTTP webhook (contract: docs/connectors.md). */
export function crmSystem(url: string): SystemBody {
  return {
    name: 'Demo CRM',
    connector: { kind: 'http', url, mode: 'sync', timeoutMs: 5_000 },
    capabilities: ['erase', 'verify', 'access', 'rectify', 'restrict', 'opt_out'],
    fields: [
      { name: 'firstName', category: 'identity', strategy: 'redact' },
      { name: 'lastName', category: 'identity', strategy: 'redact' },
      { name: 'email', category: 'contact', strategy: 'hash' },
      { name: 'phone', category: 'contact', strategy: 'mask' },
      { name: 'notes', category: 'behavioural', strategy: 'null' },
      { name: 'marketingSegment', category: 'behavioural', strategy: 'null' },
    ],
    recipient: false,
    concurrency: 4,
  };
}

/** The marketing platform: an async HTTP webhook that answers 202 and calls back when the work is done. */
export function marketingSystem(url: string): SystemBody {
  return {
    name: 'Demo marketing platform',
    connector: { kind: 'http', url, mode: 'async', timeoutMs: 5_000, callbackTimeoutSeconds: 3_600 },
    capabilities: ['erase', 'verify', 'access', 'rectify', 'restrict', 'opt_out'],
    fields: [
      { name: 'firstName', category: 'identity', strategy: 'redact' },
      { name: 'lastName', category: 'identity', strategy: 'redact' },
      { name: 'email', category: 'contact', strategy: 'hash' },
      { name: 'phone', category: 'contact', strategy: 'null' },
      { name: 'marketingSegment', category: 'behavioural', strategy: 'null' },
    ],
    // It received the customer's data from us: told of erasures and rectifications (GDPR Art. 19).
    recipient: true,
    concurrency: 4,
  };
}

/** Core banking: a DynamoDB table, one item per account keyed by accountId. */
export function coreBankingSystem(table: string = CORE_BANKING_TABLE): SystemBody {
  return {
    name: 'Demo core banking',
    connector: { kind: 'dynamodb', table, keyAttribute: CORE_BANKING_KEY },
    capabilities: ['erase', 'verify', 'access', 'rectify', 'restrict'],
    fields: [
      { name: 'holderName', category: 'identity', strategy: 'redact' },
      { name: 'email', category: 'contact', strategy: 'hash' },
      { name: 'phone', category: 'contact', strategy: 'null' },
      { name: 'address', category: 'contact', strategy: 'redact' },
      { name: 'postcode', category: 'contact', strategy: 'generalize' },
      { name: 'dateOfBirth', category: 'demographic', strategy: 'generalize' },
      { name: 'nationalId', category: 'identity', strategy: 'mask' },
      // Kept for AML, then erased by the follow-up at the until-date, each its own way.
      {
        name: 'accountNumber',
        category: 'financial',
        strategy: 'retain',
        exemption: amlExemption,
        afterRetention: 'mask',
      },
      { name: 'balance', category: 'financial', strategy: 'retain', exemption: amlExemption, afterRetention: 'null' },
      {
        name: 'kycDocumentRef',
        category: 'identity',
        strategy: 'retain',
        exemption: amlExemption,
        afterRetention: 'null',
      },
      {
        name: 'transactionSummary',
        category: 'financial',
        strategy: 'retain',
        exemption: amlExemption,
        afterRetention: 'redact',
      },
    ],
    recipient: false,
    concurrency: 4,
  };
}

/** Where the connector finds the warehouse's connection URL: CONNECTOR_DB_WAREHOUSE. */
export const WAREHOUSE_CONNECTION_REF = 'warehouse';

/**
 * The data warehouse: a PostgreSQL table of analytics rows, reached by the `postgres` connector. It
 * keeps nothing under a legal duty: every field is erased, each the way analytics can live with.
 */
export function warehouseSystem(table: string): SystemBody {
  return {
    name: 'Demo data warehouse',
    connector: { kind: 'postgres', connectionRef: WAREHOUSE_CONNECTION_REF, table, keyColumn: 'customer_key' },
    capabilities: ['erase', 'verify', 'access', 'rectify'],
    fields: [
      { name: 'full_name', category: 'identity', strategy: 'redact' },
      { name: 'email', category: 'contact', strategy: 'hash' },
      { name: 'phone', category: 'contact', strategy: 'mask' },
      { name: 'postcode', category: 'contact', strategy: 'generalize' },
      { name: 'date_of_birth', category: 'demographic', strategy: 'generalize' },
      { name: 'segment', category: 'behavioural', strategy: 'null' },
      { name: 'last_campaign', category: 'behavioural', strategy: 'null' },
    ],
    recipient: false,
    concurrency: 4,
  };
}

/** systemId -> registration body, for the demo systems (the warehouse when it runs). */
export function demoSystems(opts: {
  crmUrl: string;
  coreBankingTable?: string;
  marketingUrl?: string;
  warehouseTable?: string;
  hubspotUrl?: string;
}): Record<string, SystemBody> {
  return {
    [CRM_SYSTEM_ID]: crmSystem(opts.crmUrl),
    ...(opts.marketingUrl ? { [MARKETING_SYSTEM_ID]: marketingSystem(opts.marketingUrl) } : {}),
    [CORE_BANKING_SYSTEM_ID]: coreBankingSystem(opts.coreBankingTable),
    ...(opts.warehouseTable ? { [WAREHOUSE_SYSTEM_ID]: warehouseSystem(opts.warehouseTable) } : {}),
    ...(opts.hubspotUrl ? { [HUBSPOT_SYSTEM_ID]: hubspotSystem(opts.hubspotUrl) } : {}),
  };
}
