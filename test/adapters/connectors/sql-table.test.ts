/**
 * The SQL connectors against real servers: PostgreSQL (127.0.0.1:5432, database test) and MariaDB
 * (127.0.0.1:3306, database test), both running on this machine and in CI. Erasure applies each
 * field's strategy in one transaction (or deletes the row), is idempotent and proven by a read-back;
 * access reads the row; rectification sets the corrected columns; settings cannot inject SQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SystemWork } from '#core/connectors/connector.ts';
import { systemInputSchema, type ConnectedSystem, type FieldRule } from '#core/connectors/system.ts';
import { PermanentSystemError } from '#core/shared/errors.ts';
import { closeSqlPools, mysql, postgres } from '#adapters/connectors/sql-dialects.ts';
import { SqlTableConnector, type SqlDialect } from '#adapters/connectors/sql-table.ts';

const servers = [
  {
    kind: 'postgres' as const,
    dialect: postgres,
    url: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
  },
  { kind: 'mysql' as const, dialect: mysql, url: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test' },
];
const run = `${process.pid}_${Date.now().toString(36)}`;

afterAll(async () => {
  for (const s of servers) {
    const session = await s.dialect.session(s.url);
    await session.query(`DROP TABLE IF EXISTS ${s.dialect.quote(`warehouse_${run}`)}`, []).catch(() => undefined);
    session.release();
  }
  await closeSqlPools();
});

const fields: FieldRule[] = [
  { name: 'full_name', category: 'identity', strategy: 'redact' },
  { name: 'email', category: 'contact', strategy: 'hash' },
  { name: 'phone', category: 'contact', strategy: 'mask' },
  { name: 'notes', category: 'behavioural', strategy: 'null' },
  { name: 'birth_date', category: 'demographic', strategy: 'generalize' },
  { name: 'account_number', category: 'financial', strategy: 'retain', exemption: { basis: 'AML', years: 5 } },
];

describe.each(servers)('$kind connector (a real server)', ({ kind, dialect, url }) => {
  const table = `warehouse_${run}`;
  const ref = `test_${kind}`;
  const system = (over: Partial<ConnectedSystem> = {}): ConnectedSystem => ({
    systemId: 'warehouse',
    name: 'Warehouse',
    connector: { kind, connectionRef: ref, table, keyColumn: 'customer_id' },
    capabilities: ['erase', 'access', 'rectify', 'verify'],
    fields,
    recipient: false,
    concurrency: 2,
    updatedAt: '',
    ...over,
  });
  const work = (action: SystemWork['action'], localId: string, extra: Partial<SystemWork> = {}): SystemWork => ({
    requestId: 'R1',
    system: system(),
    action,
    localId,
    fields: fields.filter((f) => f.strategy !== 'retain'),
    idempotencyKey: `R1:warehouse:${action}`,
    ...extra,
  });
  const connector = new SqlTableConnector(
    { kind, connectionRef: ref, table, keyColumn: 'customer_id' },
    dialect,
    'test-hash-key',
  );
  const read = async (id: string) => {
    const s = await dialect.session(url);
    try {
      return (
        await s.query(`SELECT * FROM ${dialect.quote(table)} WHERE customer_id = ${dialect.placeholder(1)}`, [id])
      ).rows[0];
    } finally {
      s.release();
    }
  };

  beforeAll(async () => {
    process.env[`CONNECTOR_DB_TEST_${kind.toUpperCase()}`] = url;
    const s = await dialect.session(url);
    try {
      await s.query(
        `CREATE TABLE ${dialect.quote(table)} (customer_id VARCHAR(40) PRIMARY KEY, full_name VARCHAR(200), email VARCHAR(200), phone VARCHAR(40), notes TEXT, birth_date DATE, account_number VARCHAR(40))`,
        [],
      );
      for (const [id, name] of [
        ['W1', 'Ada Lovelace'],
        ['W2', 'Alan Turing'],
        ['W3', 'Grace Hopper'],
      ]) {
        await s.query(
          `INSERT INTO ${dialect.quote(table)} VALUES (${[1, 2, 3, 4, 5, 6, 7].map((i) => dialect.placeholder(i)).join(', ')})`,
          [
            id,
            name,
            `${id.toLowerCase()}@example.com`,
            '+447700900123',
            'likes gold cards',
            '1985-03-15',
            `GB29NWBK60161331926${id.slice(1)}`,
          ],
        );
      }
    } finally {
      s.release();
    }
  });

  it('erases by strategy in one transaction, keeps the retained column, and the read-back proves it', async () => {
    expect(await connector.verify(work('erase', 'W1'))).toMatchObject({ verified: false });
    const outcome = await connector.execute(work('erase', 'W1'));
    expect(outcome).toEqual({
      recordsAffected: 1,
      fieldsChanged: ['full_name', 'email', 'phone', 'notes', 'birth_date'],
    });
    const row = await read('W1');
    expect(row.full_name).toBe('[REDACTED]');
    expect(String(row.email)).toMatch(/^hmac:[0-9a-f]{32}$/);
    expect(row.phone).toBe('***********23');
    expect(row.notes).toBeNull();
    expect(new Date(row.birth_date as string).getUTCMonth()).toBe(0);
    expect(row.account_number).toBe('GB29NWBK601613319261');
    expect(await connector.verify(work('erase', 'W1'))).toEqual({ verified: true, remaining: [], method: 'read-back' });
  });

  it('is idempotent: a second erase changes nothing', async () => {
    expect(await connector.execute(work('erase', 'W1'))).toMatchObject({ recordsAffected: 0, fieldsChanged: [] });
  });

  it('delete_row removes the row; an unknown id affects nothing', async () => {
    const deleting = work('erase', 'W3', {
      fields: [{ name: 'full_name', category: 'identity', strategy: 'delete_row' }],
    });
    expect((await connector.execute(deleting)).recordsAffected).toBe(1);
    expect(await read('W3')).toBeUndefined();
    expect(await connector.execute(work('erase', 'NOPE'))).toMatchObject({ recordsAffected: 0 });
  });

  it('access reads the row (for the report only); rectification sets the corrected columns, proven by a read-back', async () => {
    const access = await connector.execute(work('access', 'W2'));
    expect(access.data).toMatchObject({ full_name: 'Alan Turing', email: 'w2@example.com' });
    const rectify = work('rectify', 'W2', { values: { email: 'alan@example.org' } });
    expect(await connector.execute(rectify)).toEqual({ recordsAffected: 1, fieldsChanged: ['email'] });
    expect((await read('W2')).email).toBe('alan@example.org');
    expect(await connector.verify(rectify)).toMatchObject({ verified: true });
    expect(await connector.execute(rectify)).toMatchObject({ recordsAffected: 0 });
  });

  it('a missing table is a permanent failure that names no value', async () => {
    const missing = new SqlTableConnector(
      { kind, connectionRef: ref, table: `nope_${run}`, keyColumn: 'customer_id' },
      dialect,
      'k',
    );
    const err = await missing.execute(work('erase', 'W2')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PermanentSystemError);
    expect((err as Error).message).not.toContain('W2');
  });

  it('a connection given as the JSON of an RDS database secret connects, whatever its password holds', async () => {
    const server = new URL(url);
    const password = 'p@ss:w/rd#?%é';
    // MariaDB checks the password: a user made for it. PostgreSQL here trusts local connections (the URL is what is proven).
    const user = kind === 'mysql' ? `rds_${run}`.slice(0, 40) : decodeURIComponent(server.username);
    const root = await dialect.session(url);
    if (kind === 'mysql') {
      await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`, []);
      await root.query(`GRANT ALL ON ${dialect.quote(server.pathname.slice(1))}.* TO '${user}'@'%'`, []);
    }
    root.release();
    const ref = `rds_${kind}`;
    process.env[`CONNECTOR_DB_RDS_${kind.toUpperCase()}`] = JSON.stringify({
      engine: kind === 'mysql' ? 'mariadb' : 'postgres',
      host: server.hostname,
      port: Number(server.port),
      username: user,
      password,
      dbname: server.pathname.slice(1),
      dbInstanceIdentifier: 'dw-1',
    });
    try {
      const viaSecret = new SqlTableConnector(
        { kind, connectionRef: ref, table, keyColumn: 'customer_id' },
        dialect,
        'test-hash-key',
      );
      expect((await viaSecret.execute(work('access', 'W2'))).data).toMatchObject({ full_name: 'Alan Turing' });
    } finally {
      delete process.env[`CONNECTOR_DB_RDS_${kind.toUpperCase()}`];
      if (kind === 'mysql') {
        const s = await dialect.session(url);
        await s.query(`DROP USER '${user}'@'%'`, []).catch(() => undefined);
        s.release();
      }
    }
  });

  it('an unset connection reference is a permanent failure naming the variable, not a URL', async () => {
    const unset = new SqlTableConnector(
      { kind, connectionRef: 'nowhere', table, keyColumn: 'customer_id' },
      dialect as SqlDialect,
      'k',
    );
    await expect(unset.execute(work('erase', 'W2'))).rejects.toThrow(/CONNECTOR_DB_NOWHERE is not set/);
  });
});

describe('settings cannot carry SQL', () => {
  it.each([
    { table: 'users; DROP TABLE x' },
    { table: 'a.b.c' },
    { table: 'users', keyColumn: 'id = id OR 1=1' },
    { table: 'users', keyColumn: '"id"' },
    { table: 'users', connectionRef: 'postgres://user:secret@db/prod' },
  ])('%o is refused by the registry schema', (bad) => {
    const parsed = systemInputSchema.safeParse({
      name: 'x',
      capabilities: ['erase'],
      connector: { kind: 'postgres', connectionRef: 'warehouse', keyColumn: 'id', ...bad },
    });
    expect(parsed.success).toBe(false);
  });

  it('a valid postgres and mysql registration parses', () => {
    for (const kind of ['postgres', 'mysql']) {
      expect(
        systemInputSchema.safeParse({
          name: 'x',
          capabilities: ['erase'],
          connector: { kind, connectionRef: 'warehouse', table: 'dw.customers', keyColumn: 'customer_id' },
        }).success,
      ).toBe(true);
    }
  });
});
