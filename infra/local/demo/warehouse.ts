/**
 * The demo data warehouse: a PostgreSQL table of customer analytics rows, one per CRM contact, keyed
 * by customer_key (the local id the ECIF cross-references). A configured server when WAREHOUSE_URL is
 * set; else embedded PGlite served over the PostgreSQL wire protocol by pglite-socket, so Custodian
 * reaches it exactly as it reaches a real server: the `postgres` connector, through `pg`.
 */
import path from 'node:path';
import pg from 'pg';
import type { WarehouseRow } from './customers.ts';

export const WAREHOUSE_TABLE = 'analytics.customers';
export const WAREHOUSE_KEY = 'customer_key';

export interface DemoWarehouse {
  /** The connection URL (the connector finds it as CONNECTOR_DB_WAREHOUSE). */
  url: string;
  /** True when it is PGlite in this process. */
  embedded: boolean;
  table: string;
  stop(): Promise<void>;
}

export interface DemoWarehouseOptions {
  /** A PostgreSQL server to use instead of embedded PGlite (WAREHOUSE_URL). */
  url?: string;
  /** Schema-qualified table (tests on a shared server use their own). */
  table?: string;
  /** Embedded: the port (0: a free one). */
  port?: number;
  /** Embedded: keep the database in this directory (`--persist`); in memory when absent. */
  persist?: string;
}

const quoted = (table: string) =>
  table
    .split('.')
    .map((p) => `"${p.replace(/"/g, '""')}"`)
    .join('.');

export async function startDemoWarehouse(opts: DemoWarehouseOptions = {}): Promise<DemoWarehouse> {
  const table = opts.table ?? WAREHOUSE_TABLE;
  if (opts.url) return { url: opts.url, embedded: false, table, stop: async () => {} };
  const [{ PGlite }, { PGLiteSocketServer }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('@electric-sql/pglite-socket'),
  ]);
  const db = await PGlite.create(opts.persist ? path.join(opts.persist, 'warehouse') : undefined);
  // Several connections (the connector's pool): pglite-socket runs one query at a time and keeps a
  // transaction to the connection that opened it.
  const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: opts.port ?? 0, maxConnections: 8 });
  try {
    await server.start();
  } catch (err) {
    await db.close();
    throw err;
  }
  return {
    url: `postgres://postgres@${server.getServerConn()}/postgres`,
    embedded: true,
    table,
    stop: async () => {
      await server.stop();
      await db.close();
    },
  };
}

/**
 * Creates the schema and table unless they exist, and inserts the rows that are not there yet: a
 * persisted warehouse keeps what earlier erasures did to it. Returns how many rows were inserted.
 */
export async function seedWarehouse(url: string, table: string, rows: WarehouseRow[]): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const [schema] = table.includes('.') ? table.split('.') : [];
    if (schema) await client.query(`CREATE SCHEMA IF NOT EXISTS ${quoted(schema)}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${quoted(table)} (
        customer_key TEXT PRIMARY KEY, full_name TEXT, email TEXT, phone TEXT, postcode TEXT,
        date_of_birth TEXT, segment TEXT, lifetime_value INTEGER, last_campaign TEXT)`,
    );
    let inserted = 0;
    for (const r of rows) {
      const res = await client.query(
        `INSERT INTO ${quoted(table)} (customer_key, full_name, email, phone, postcode, date_of_birth, segment, lifetime_value, last_campaign)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (customer_key) DO NOTHING`,
        [
          r.customer_key,
          r.full_name,
          r.email,
          r.phone,
          r.postcode,
          r.date_of_birth,
          r.segment,
          r.lifetime_value,
          r.last_campaign,
        ],
      );
      inserted += res.rowCount ?? 0;
    }
    return inserted;
  } finally {
    await client.end();
  }
}

/** One row as the warehouse holds it now (the walkthrough's before and after). */
export async function warehouseRow(
  url: string,
  table: string,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(`SELECT * FROM ${quoted(table)} WHERE ${WAREHOUSE_KEY} = $1`, [key])).rows[0];
  } finally {
    await client.end();
  }
}
