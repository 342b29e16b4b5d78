/**
 * The demo data warehouse: embedded PGlite served over the PostgreSQL wire protocol (reached with
 * `pg`, as the connector reaches it), or the server WAREHOUSE_URL names (the real PostgreSQL on
 * 127.0.0.1 here). Seeded with the demo customers' rows, deterministically; seeding again inserts
 * nothing, so a persisted warehouse keeps what earlier erasures did to it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { demoCustomers, warehouseRecords, withWarehouse, WAREHOUSE_SYSTEM_ID } from '#infra/local/demo/customers.ts';
import { seedWarehouse, startDemoWarehouse, warehouseRow } from '#infra/local/demo/warehouse.ts';

const rows = warehouseRecords(withWarehouse(demoCustomers(42, 6)));
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('the demo warehouse rows', () => {
  it('one per CRM contact, keyed DW-<n>, cross-referenced, and the other systems unchanged by them', () => {
    const drawn = demoCustomers(42, 6);
    const withDw = withWarehouse(drawn);
    expect(withWarehouse(demoCustomers(42, 6))).toEqual(withDw);
    for (const [i, c] of withDw.entries()) {
      expect(c.crm).toEqual(drawn[i].crm);
      expect(c.coreBanking).toEqual(drawn[i].coreBanking);
      expect(!!c.warehouse).toBe(!!c.crm);
    }
    const inWarehouse = withDw.filter((c) => c.warehouse);
    expect(inWarehouse.length).toBeGreaterThan(0);
    for (const c of inWarehouse) {
      expect(c.warehouse).toMatchObject({ customer_key: `DW-${Number(c.ecifId.slice(1))}`, email: c.crm!.email });
      expect(c.input.crossReferences).toContainEqual({
        systemId: WAREHOUSE_SYSTEM_ID,
        localId: c.warehouse!.customer_key,
        source: 'demo-seed',
      });
    }
  });
});

describe('embedded PGlite', () => {
  it('serves the wire protocol, seeds once, and keeps its data across restarts with --persist', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'custodian-dw-'));
    dirs.push(dir);
    const first = await startDemoWarehouse({ persist: dir });
    try {
      expect(first.embedded).toBe(true);
      expect(await seedWarehouse(first.url, first.table, rows)).toBe(rows.length);
      expect(await seedWarehouse(first.url, first.table, rows)).toBe(0);
      // An erasure's effect, made the way the connector makes it (pg, parameterized).
      const client = new pg.Client({ connectionString: first.url });
      await client.connect();
      await client.query('UPDATE analytics.customers SET email = $1 WHERE customer_key = $2', [
        'hmac:0123',
        rows[0].customer_key,
      ]);
      await client.end();
    } finally {
      await first.stop();
    }
    const again = await startDemoWarehouse({ persist: dir });
    try {
      expect(await seedWarehouse(again.url, again.table, rows)).toBe(0);
      expect(await warehouseRow(again.url, again.table, rows[0].customer_key)).toMatchObject({
        email: 'hmac:0123',
        full_name: rows[0].full_name,
      });
      expect(await warehouseRow(again.url, again.table, rows[1].customer_key)).toEqual(rows[1]);
      expect(await warehouseRow(again.url, again.table, 'DW-0')).toBeUndefined();
    } finally {
      await again.stop();
    }
  }, 60_000);
});

describe('a configured server (WAREHOUSE_URL)', () => {
  const url = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `dw_${process.pid}_${Date.now().toString(36)}`;
  afterAll(async () => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  });

  it('is used as it is: the same seed, the same rows', async () => {
    const dw = await startDemoWarehouse({ url, table: `${schema}.customers` });
    expect(dw).toMatchObject({ url, embedded: false, table: `${schema}.customers` });
    expect(await seedWarehouse(dw.url, dw.table, rows)).toBe(rows.length);
    expect(await seedWarehouse(dw.url, dw.table, rows)).toBe(0);
    expect(await warehouseRow(dw.url, dw.table, rows[2].customer_key)).toEqual(rows[2]);
    await dw.stop();
  });
});
