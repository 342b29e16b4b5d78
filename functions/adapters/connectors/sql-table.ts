/**
 * The `postgres` and `mysql` connectors: one row per subject in a table, keyed by the subject's local
 * id. Erasure reads the row under a lock and applies each field's strategy in one UPDATE (or deletes
 * the row) in one transaction; access reads it; rectification sets the corrected columns; each is
 * checked by a read-back. Identifiers from the settings are validated and quoted; values are always
 * bound parameters. Messages name error codes, never values.
 */
import type { Connector, ConnectorOutcome, SystemWork, Verification } from '#core/connectors/connector.ts';
import { applyStrategy, hasErasedForm } from '#core/connectors/strategies.ts';
import type { Strategy } from '#core/connectors/system.ts';
import { PermanentSystemError, TransientSystemError } from '#core/shared/errors.ts';
import { environmentSecrets, type SystemSecrets } from './system-secrets.ts';

export type SqlSettings = { kind: 'postgres' | 'mysql'; connectionRef: string; table: string; keyColumn: string };

type Row = Record<string, unknown>;

/** What the two dialects differ in: quoting, placeholders, and how a connection runs a statement. */
export interface SqlSession {
  query(sql: string, params: unknown[]): Promise<{ rows: Row[]; affected: number }>;
  release(): void;
}
export interface SqlDialect {
  quote(identifier: string): string;
  placeholder(i: number): string;
  session(url: string): Promise<SqlSession>;
  /** Driver error codes worth a retry (connection loss, deadlock, serialization, timeouts). */
  transient(err: unknown): boolean;
  missing(err: unknown): boolean;
}

/**
 * The connection URL of a reference: `CONNECTOR_DB_<REF>`, else the secret `<prefix><kind>/<ref>`
 * (system-secrets.ts). The value is a URL, or the JSON of a database secret as Amazon RDS manages and
 * rotates it (`{"engine","host","port","username","password","dbname"}`).
 */
export async function connectionUrl(
  settings: Pick<SqlSettings, 'kind' | 'connectionRef'>,
  secrets: SystemSecrets = environmentSecrets,
): Promise<string> {
  const value = await secrets.value(settings.kind, settings.connectionRef);
  if (!value)
    throw new PermanentSystemError(
      `no connection is configured for this system (${secrets.where(settings.kind, settings.connectionRef)})`,
    );
  return value.trimStart().startsWith('{') ? databaseSecretUrl(settings.kind, value) : value;
}

/** The engines an RDS secret names for each kind of connector (Aurora's included). */
const enginesOf: Record<SqlSettings['kind'], readonly string[]> = {
  postgres: ['postgres', 'postgresql', 'aurora-postgresql'],
  mysql: ['mysql', 'mariadb', 'aurora', 'aurora-mysql'],
};
const defaultPorts: Record<SqlSettings['kind'], number> = { postgres: 5432, mysql: 3306 };

/** A database secret's JSON as a URL; what is wrong with it is named by field, never by value. */
export function databaseSecretUrl(kind: SqlSettings['kind'], json: string): string {
  let secret: Record<string, unknown>;
  try {
    secret = JSON.parse(json) as Record<string, unknown>;
  } catch {
    throw new PermanentSystemError('the connection secret is neither a URL nor the JSON of a database secret');
  }
  const text = (field: string) =>
    typeof secret[field] === 'string' && secret[field] !== '' ? (secret[field] as string) : undefined;
  const missing = ['host', 'username', 'password'].filter((f) => !text(f));
  if (missing.length) throw new PermanentSystemError(`the connection secret has no ${missing.join(', ')}`);
  const engine = text('engine');
  if (engine && !enginesOf[kind].includes(engine.toLowerCase()))
    throw new PermanentSystemError(`the connection secret is for a ${engine.slice(0, 40)} database, not ${kind}`);
  const port = secret.port === undefined ? defaultPorts[kind] : Number(secret.port);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new PermanentSystemError('the connection secret has a port that is not a port number');
  const url = new URL(`${kind}://host`);
  url.hostname = text('host')!;
  url.port = String(port);
  url.username = encodeURIComponent(text('username')!);
  url.password = encodeURIComponent(text('password')!);
  url.pathname = `/${encodeURIComponent(text('dbname') ?? '')}`;
  return url.toString();
}

export class SqlTableConnector implements Connector {
  constructor(
    private readonly settings: SqlSettings,
    private readonly dialect: SqlDialect,
    private readonly hashKey: string,
    private readonly secrets: SystemSecrets = environmentSecrets,
  ) {}

  private get table() {
    return this.settings.table
      .split('.')
      .map((p) => this.dialect.quote(p))
      .join('.');
  }

  private async inSession<T>(fn: (s: SqlSession) => Promise<T>): Promise<T> {
    let session: SqlSession | undefined;
    try {
      session = await this.dialect.session(await connectionUrl(this.settings, this.secrets));
      return await fn(session);
    } catch (err) {
      if (err instanceof PermanentSystemError || err instanceof TransientSystemError) throw err;
      const code = String((err as { code?: unknown }).code ?? (err as Error).name);
      if (this.dialect.transient(err)) throw new TransientSystemError(`database call failed (${code})`);
      if (this.dialect.missing(err)) throw new PermanentSystemError(`table or column not found (${code})`);
      throw new PermanentSystemError(`database call failed (${code})`);
    } finally {
      session?.release();
    }
  }

  private async row(s: SqlSession, work: SystemWork, lock: boolean): Promise<Row | undefined> {
    const { rows } = await s.query(
      `SELECT * FROM ${this.table} WHERE ${this.dialect.quote(this.settings.keyColumn)} = ${this.dialect.placeholder(1)}${lock ? ' FOR UPDATE' : ''}`,
      [work.localId],
    );
    return rows[0];
  }

  private async update(s: SqlSession, work: SystemWork, values: Row): Promise<number> {
    const cols = Object.keys(values);
    const sets = cols.map((c, i) => `${this.dialect.quote(c)} = ${this.dialect.placeholder(i + 1)}`).join(', ');
    const { affected } = await s.query(
      `UPDATE ${this.table} SET ${sets} WHERE ${this.dialect.quote(this.settings.keyColumn)} = ${this.dialect.placeholder(cols.length + 1)}`,
      [...cols.map((c) => values[c]), work.localId],
    );
    return affected;
  }

  execute(work: SystemWork): Promise<ConnectorOutcome> {
    return this.inSession(async (s) => {
      switch (work.action) {
        case 'erase':
          return this.transaction(s, () => this.erase(s, work));
        case 'access': {
          const row = await this.row(s, work, false);
          if (!row) return { recordsAffected: 0, fieldsChanged: [], data: {} };
          const { [this.settings.keyColumn]: _key, ...data } = row;
          return {
            recordsAffected: 1,
            fieldsChanged: [],
            data: Object.fromEntries(
              Object.entries(data).map(([k, v]) => [k, v instanceof Date ? v.toISOString() : v]),
            ),
          };
        }
        case 'rectify':
          return this.transaction(s, async () => {
            const row = await this.row(s, work, true);
            if (!row) return { recordsAffected: 0, fieldsChanged: [], detail: 'no record held' };
            const changes = Object.fromEntries(
              Object.entries(work.values ?? {}).filter(([k, v]) => k in row && String(row[k] ?? '') !== v),
            );
            if (Object.keys(changes).length === 0)
              return { recordsAffected: 0, fieldsChanged: [], detail: 'already rectified' };
            return { recordsAffected: await this.update(s, work, changes), fieldsChanged: Object.keys(changes) };
          });
        default:
          throw new PermanentSystemError(`action ${work.action} is not supported by the SQL connector`);
      }
    });
  }

  private async transaction<T>(s: SqlSession, fn: () => Promise<T>): Promise<T> {
    await s.query('BEGIN', []);
    try {
      const out = await fn();
      await s.query('COMMIT', []);
      return out;
    } catch (err) {
      await s.query('ROLLBACK', []).catch(() => undefined);
      throw err;
    }
  }

  private async erase(s: SqlSession, work: SystemWork): Promise<ConnectorOutcome> {
    const row = await this.row(s, work, true);
    if (!row) return { recordsAffected: 0, fieldsChanged: [], detail: 'no record held' };
    if (work.fields.some((f) => f.strategy === 'delete_row')) {
      const { affected } = await s.query(
        `DELETE FROM ${this.table} WHERE ${this.dialect.quote(this.settings.keyColumn)} = ${this.dialect.placeholder(1)}`,
        [work.localId],
      );
      return {
        recordsAffected: affected,
        fieldsChanged: Object.keys(row).filter((k) => k !== this.settings.keyColumn),
      };
    }
    const changes = work.fields.filter((f) => f.name in row && !erased(f.strategy, row[f.name]));
    if (changes.length === 0) return { recordsAffected: 0, fieldsChanged: [], detail: 'already erased' };
    const values = Object.fromEntries(
      changes.map((f) => [
        f.name,
        strategyValue(f.strategy as Exclude<Strategy, 'delete_row'>, row[f.name], this.hashKey),
      ]),
    );
    await this.update(s, work, values);
    return { recordsAffected: 1, fieldsChanged: changes.map((f) => f.name) };
  }

  verify(work: SystemWork): Promise<Verification | undefined> {
    if (work.action !== 'erase' && work.action !== 'rectify') return Promise.resolve(undefined);
    return this.inSession(async (s) => {
      const row = await this.row(s, work, false);
      if (!row) return { verified: true, remaining: [], method: 'read-back: no record' };
      const remaining =
        work.action === 'rectify'
          ? Object.entries(work.values ?? {})
              .filter(([k, v]) => k in row && String(row[k] ?? '') !== v)
              .map(([k]) => k)
          : work.fields.filter((f) => f.name in row && !erased(f.strategy, row[f.name])).map((f) => f.name);
      return { verified: remaining.length === 0, remaining, method: 'read-back' };
    });
  }
}

/** A typed DATE column keeps a date: generalized to the first of January of its year. */
function strategyValue(strategy: Exclude<Strategy, 'delete_row'>, value: unknown, key: string): unknown {
  if (value instanceof Date)
    return strategy === 'generalize'
      ? `${value.getUTCFullYear()}-01-01`
      : applyStrategy(strategy, value.toISOString(), key);
  return applyStrategy(strategy, value, key);
}

function erased(strategy: Strategy, value: unknown): boolean {
  if (value instanceof Date)
    return strategy === 'generalize'
      ? value.getUTCMonth() === 0 && value.getUTCDate() === 1
      : hasErasedForm(strategy, value.toISOString());
  return hasErasedForm(strategy, value);
}
