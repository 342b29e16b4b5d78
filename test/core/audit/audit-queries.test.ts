/**
 * The auditor's queries in docs/audit.md, each run with DuckDB over export parts as the export job
 * writes them (one NDJSON.gz per day, lines of exportLine, under `export_id=<id>/`), read with the
 * columns the Athena table declares (infra/constructs/audit-catalog.ts): a query that stops being
 * SQL, or stops answering its question, fails here.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { beforeAll, describe, expect, it } from 'vitest';
import { genesisHash, hashEvent, type AuditEvent, type AuditInput } from '#core/audit/event.ts';
import { exportLine } from '#core/audit/export-line.ts';
import { auditEventColumns } from '#infra/constructs/audit-catalog.ts';

const EXPORT_ID = '01JZ8E5X3K0000000000000000';
const customer = { role: 'customer', principal: 'cust-1' } as const;
const system = { role: 'system', principal: 'privacy-request-workflow' } as const;
const operator = { role: 'operator', principal: 'op-7' } as const;
const steward = { role: 'steward', principal: 'st-2' } as const;

/** The log, in time order: [at, input]. */
const log: [string, AuditInput][] = [
  [
    '2026-01-05T09:00:00.000Z',
    {
      stream: 'consent:C-1001',
      actor: customer,
      action: 'consent.captured',
      target: { ecifId: 'C-1001' },
      details: { purposes: 2 },
    },
  ],
  [
    '2026-02-10T10:00:00.000Z',
    {
      stream: 'request:R1',
      actor: customer,
      action: 'request.received',
      target: { requestId: 'R1', ecifId: 'C-1001' },
      details: { type: 'erasure', jurisdiction: 'GDPR' },
    },
  ],
  [
    '2026-02-11T10:00:00.000Z',
    { stream: 'request:R1', actor: system, action: 'request.verified', target: { requestId: 'R1' }, details: {} },
  ],
  [
    '2026-02-20T10:00:00.000Z',
    {
      stream: 'request:R1',
      actor: system,
      action: 'request.finalized',
      target: { requestId: 'R1' },
      details: { status: 'completed', result: 'erased', reasons: 0 },
    },
  ],
  [
    '2026-03-01T10:00:00.000Z',
    {
      stream: 'request:R3',
      actor: customer,
      action: 'request.received',
      target: { requestId: 'R3', ecifId: 'C-1001' },
      details: { type: 'access', jurisdiction: 'GDPR' },
    },
  ],
  [
    '2026-03-05T10:00:00.000Z',
    { stream: 'operator', actor: operator, action: 'system.key_rotated', target: { systemId: 'crm' }, details: {} },
  ],
  [
    '2026-03-15T10:00:00.000Z',
    {
      stream: 'request:R4',
      actor: customer,
      action: 'request.received',
      target: { requestId: 'R4', ecifId: 'C-3003' },
      details: { type: 'erasure', jurisdiction: 'CCPA' },
    },
  ],
  [
    '2026-03-20T10:00:00.000Z',
    {
      stream: 'ecif',
      actor: steward,
      action: 'ecif.ingestion.refused',
      target: { ecifId: 'C-2002' },
      details: { reason: 'suppressed', kinds: ['email'] },
    },
  ],
  [
    '2026-04-02T10:00:00.000Z',
    {
      stream: 'request:R2',
      actor: customer,
      action: 'request.received',
      target: { requestId: 'R2', ecifId: 'C-2002' },
      details: { type: 'erasure', jurisdiction: 'GDPR' },
    },
  ],
  [
    '2026-04-03T10:00:00.000Z',
    {
      stream: 'request:R2',
      actor: operator,
      action: 'request.denied',
      target: { requestId: 'R2' },
      details: { reason: 'unverifiable', from: 'received' },
    },
  ],
];

/** docs/audit.md's SQL block after `<!-- query: name -->`. */
function documentedQuery(name: string): string {
  const doc = readFileSync(new URL('../../../docs/audit.md', import.meta.url), 'utf8');
  const match = doc.match(new RegExp(`<!-- query: ${name} -->\\s*\`\`\`sql\\n([\\s\\S]*?)\`\`\``));
  if (!match) throw new Error(`docs/audit.md has no query ${name}`);
  return match[1]!;
}

/** A Glue (Hive) column type as DuckDB's: string → VARCHAR, struct<a:string> → STRUCT("a" VARCHAR). */
const duckType = (hive: string): string =>
  hive
    .replace(
      /struct<([^>]*)>/g,
      (_, fields: string) =>
        `STRUCT(${fields
          .split(',')
          .map((f) => {
            const [name, type] = f.split(':');
            return `"${name}" ${duckType(type!)}`;
          })
          .join(', ')})`,
    )
    .replace(/^string$/, 'VARCHAR')
    .replace(/^bigint$/, 'BIGINT');

let db: DuckDBConnection;
const run = async (sql: string) => (await db.runAndReadAll(sql)).getRowObjectsJson();

beforeAll(async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'custodian-audit-queries-'));
  const part = path.join(dir, `export_id=${EXPORT_ID}`);
  mkdirSync(part);
  const heads = new Map<string, { seq: number; hash: string }>();
  const byDay = new Map<string, string[]>();
  for (const [at, input] of log) {
    const head = heads.get(input.stream);
    const body = { ...input, seq: (head?.seq ?? 0) + 1, at, prevHash: head?.hash ?? genesisHash };
    const event: AuditEvent = { ...body, hash: hashEvent(body) };
    heads.set(input.stream, { seq: event.seq, hash: event.hash });
    const day = at.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), exportLine(event)]);
  }
  for (const [day, lines] of byDay)
    writeFileSync(path.join(part, `part-${day}.ndjson.gz`), gzipSync(`${lines.join('\n')}\n`));
  const columns = auditEventColumns.map((c) => `"${c.name}": '${duckType(c.type)}'`).join(', ');
  db = await (await DuckDBInstance.create(':memory:')).connect();
  await db.run(
    `CREATE VIEW audit_events AS SELECT * FROM read_json('${dir}/*/*.ndjson.gz', format = 'newline_delimited', ` +
      `hive_partitioning = true, columns = {${columns}})`,
  );
});

describe('the documented auditor queries, in DuckDB over exported parts', () => {
  it('every action on a subject: its consent, and every event of its requests', async () => {
    const rows = await run(documentedQuery('subject'));
    expect(rows.map((r) => [r.stream, r.action])).toEqual([
      ['consent:C-1001', 'consent.captured'],
      ['request:R1', 'request.received'],
      ['request:R1', 'request.verified'],
      ['request:R1', 'request.finalized'],
      ['request:R3', 'request.received'],
    ]);
  });

  it('every erasure received in the quarter, with how it ended', async () => {
    const rows = await run(documentedQuery('erasures'));
    expect(rows).toEqual([
      {
        request_id: 'R1',
        received_at: '2026-02-10T10:00:00.000Z',
        finalized_at: '2026-02-20T10:00:00.000Z',
        status: 'completed',
      },
      { request_id: 'R4', received_at: '2026-03-15T10:00:00.000Z', finalized_at: null, status: null },
    ]);
  });

  it('every operator action', async () => {
    const rows = await run(documentedQuery('operators'));
    expect(rows.map((r) => [r.operator, r.action])).toEqual([
      ['op-7', 'system.key_rotated'],
      ['op-7', 'request.denied'],
    ]);
  });

  it('every refusal, with its reason', async () => {
    const rows = await run(documentedQuery('refusals'));
    expect(rows.map((r) => [r.action, r.reason])).toEqual([
      ['ecif.ingestion.refused', 'suppressed'],
      ['request.denied', 'unverifiable'],
    ]);
  });
});
