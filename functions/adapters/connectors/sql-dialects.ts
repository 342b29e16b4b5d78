/** PostgreSQL (pg) and MySQL/MariaDB (mysql2): pools per connection URL, kept for the process. */
import type { SqlDialect } from './sql-table.ts';

type Closable = { end(): Promise<void> };
const pools = new Map<string, Promise<unknown>>();

function pooled<P extends Closable>(kind: string, url: string, make: () => Promise<P>): Promise<P> {
  const key = `${kind} ${url}`;
  if (!pools.has(key)) pools.set(key, make());
  return pools.get(key) as Promise<P>;
}

/** Closes every pool (tests, shutdown). */
export async function closeSqlPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map(async (p) => ((await p) as Closable).end().catch(() => undefined)));
}

const codeOf = (err: unknown) => String((err as { code?: unknown }).code ?? '');

export const postgres: SqlDialect = {
  quote: (id) => `"${id.replace(/"/g, '""')}"`,
  placeholder: (i) => `$${i}`,
  async session(url) {
    const pool = await pooled(
      'pg',
      url,
      async () =>
        new (await import('pg')).default.Pool({ connectionString: url, max: 4, connectionTimeoutMillis: 5_000 }),
    );
    const client = await pool.connect();
    return {
      query: async (sql, params) => {
        const res = await client.query(sql, params);
        return { rows: res.rows as Record<string, unknown>[], affected: res.rowCount ?? 0 };
      },
      release: () => client.release(),
    };
  },
  // Connection exceptions (08xxx), serialization failure, deadlock, admin shutdown, query canceled, network.
  transient: (err) =>
    /^(08|40001|40P01|57P0|57014)/.test(codeOf(err)) ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT'].includes(codeOf(err)) ||
    /timeout/i.test((err as Error).message ?? ''),
  missing: (err) => ['42P01', '42703', '3F000'].includes(codeOf(err)),
};

export const mysql: SqlDialect = {
  quote: (id) => `\`${id.replace(/`/g, '``')}\``,
  placeholder: () => '?',
  async session(url) {
    const pool = await pooled('mysql', url, async () =>
      (await import('mysql2/promise')).createPool({
        uri: url,
        connectionLimit: 4,
        connectTimeout: 5_000,
        dateStrings: false,
      }),
    );
    const conn = await pool.getConnection();
    return {
      query: async (sql, params) => {
        // BEGIN/COMMIT/ROLLBACK are not preparable: plain query; everything else bound.
        const [result] = /^(BEGIN|COMMIT|ROLLBACK)$/.test(sql)
          ? await conn.query(sql)
          : await conn.execute(sql, params as never[]);
        if (Array.isArray(result)) return { rows: result as Record<string, unknown>[], affected: result.length };
        return { rows: [], affected: (result as { affectedRows?: number }).affectedRows ?? 0 };
      },
      release: () => conn.release(),
    };
  },
  transient: (err) =>
    [
      'ER_LOCK_DEADLOCK',
      'ER_LOCK_WAIT_TIMEOUT',
      'ECONNREFUSED',
      'ECONNRESET',
      'ETIMEDOUT',
      'PROTOCOL_CONNECTION_LOST',
      'ER_CON_COUNT_ERROR',
    ].includes(codeOf(err)),
  missing: (err) => ['ER_NO_SUCH_TABLE', 'ER_BAD_FIELD_ERROR', 'ER_BAD_DB_ERROR'].includes(codeOf(err)),
};
