/**
 * `npx custodian <command>`: the operators' CLI over the HTTP API (the local runtime or a deployed
 * API: --url and --token, or CUSTODIAN_URL and CUSTODIAN_TOKEN). Tables for people, --json for
 * scripts. Exit codes: 0 ok, 1 the API refused (4xx), 2 usage, 3 unreachable or server error,
 * 4 done with rejects (import).
 */
import { parseArgs } from 'node:util';
import { ApiError, createClient, type CustodianClient } from '../client/client.ts';
import { reportCcpaMetrics, reportRopa } from './reports.ts';
import { isExportTrailer } from '#core/audit/export-stream.ts';

const usage = `custodian <command> [options]

  health                                   the API's version and dependencies
  systems list | systems put <id> <file>   the systems registry (operator); put shows an issued key once
  systems put <id> --definition D --settings file.json   a system on a REST definition (salesforce, dynamics365, hubspot, mailchimp, stripe)
  systems rotate-key <id>                  a new signing key for the system, shown once (operator)
  ecif import <file.ndjson|.csv[.gz]>      bulk load golden records as a job (steward); a progress bar, then the rejects
  ecif resolve [--email E] [--phone P] [--system S --local-id L]   who this is, and where each system knows them (steward, operator)
  requests submit --type T --jurisdiction GDPR|CCPA --email E    (prints the id and the requester key)
  requests verify <id> <code>              the 6-digit code sent to the contact on file
  requests show <id> [--key K]             operator/auditor token, or the requester key
  requests list [--status S] [--type T] [--overdue]   the queue, open requests by default (operator, auditor)
  requests extend <id> --reason TEXT       the one extension (operator)
  requests deny <id> --reason R --detail TEXT   R: manifestly_unfounded, excessive, identity_not_verified, ... (operator)
  requests retry <id>                      re-drive the failed systems (operator)
  requests cancel <id> [--key K]           withdraw a request not yet executing
  requests complete <id> <systemId> --evidence REF [--records N] | --not-possible --reason TEXT   close a manual system's task (operator)
  hold place <ecifId> --reference REF --reason TEXT | hold show <ecifId> | hold release <ecifId>   legal holds (operator; show: auditor too)
  consent show <ecifId> [--as-of ISO] | consent history <ecifId> | consent decide <ecifId> <purpose> <channel>
  consent batch <purpose> <channel> <file>  a campaign list (one ecifId, or systemId,localId, per line): allowed ones, or --json for all
  consent receipt <receiptId>              a capture's Kantara v1.1 receipt
  audit events --from ISO [--request-id ID] | audit verify --from ISO [--to ISO]
  audit export --from ISO [--to ISO] [--out FILE] [--csv]   the streamed export, to the file as it arrives (constant memory);
                                           NDJSON for npm run audit:verify; fails (exit 3) when it was cut short
  report ccpa-metrics --year YYYY [--csv]   the CCPA metrics of a calendar year, 11 CCR §7102 (operator, auditor)
  report ropa [--csv]                      the record of processing activities, GDPR Art. 30 (operator, auditor)
  token --role R [--sub ID]                a local dev token (local runtime only)

options: --url URL (CUSTODIAN_URL, default http://127.0.0.1:3000)  --token JWT (CUSTODIAN_TOKEN)
         --export-url URL (CUSTODIAN_EXPORT_URL: the streaming API, stack output ExportApiUrl in AWS; default --url)
         --json  --concurrency N (import, default 8)  --help`;

class UsageError extends Error {}

const { values: opts, positionals } = parseArgs({
  allowPositionals: true,
  strict: false,
  options: {
    url: { type: 'string' },
    token: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
    type: { type: 'string' },
    jurisdiction: { type: 'string' },
    email: { type: 'string' },
    'request-id': { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    role: { type: 'string' },
    sub: { type: 'string' },
    concurrency: { type: 'string' },
    out: { type: 'string' },
    'as-of': { type: 'string' },
    status: { type: 'string' },
    overdue: { type: 'boolean', default: false },
    reason: { type: 'string' },
    detail: { type: 'string' },
    key: { type: 'string' },
    phone: { type: 'string' },
    system: { type: 'string' },
    'local-id': { type: 'string' },
    evidence: { type: 'string' },
    records: { type: 'string' },
    'not-possible': { type: 'boolean', default: false },
    reference: { type: 'string' },
    'export-url': { type: 'string' },
    csv: { type: 'boolean', default: false },
    definition: { type: 'string' },
    settings: { type: 'string' },
    year: { type: 'string' },
  },
});
const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);

function print(value: unknown): void {
  if (opts.json) {
    console.log(JSON.stringify(value, null, 2));
    return;
  }
  if (Array.isArray(value)) {
    console.log(table(value as Record<string, unknown>[]));
    return;
  }
  if (value && typeof value === 'object') {
    const entries = Object.entries(value);
    const width = Math.max(...entries.map(([k]) => k.length));
    console.log(
      entries
        .map(([k, v]) => `${k.padEnd(width)}  ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
        .join('\n'),
    );
    return;
  }
  console.log(String(value));
}

function table(rows: Record<string, unknown>[]): string {
  if (rows.length === 0) return '(none)';
  const cols = [...new Set(rows.flatMap((r) => Object.keys(r)))].filter((c) =>
    rows.some((r) => typeof r[c] !== 'object' || r[c] === null),
  );
  const cell = (v: unknown) => (v === undefined || v === null ? '' : String(v));
  const widths = cols.map((c) => Math.max(c.length, ...rows.map((r) => cell(r[c]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
  return [
    line(cols),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map((r) => line(cols.map((c) => cell(r[c])))),
  ].join('\n');
}

async function collect<T>(it: AsyncIterable<T>, max = 1000): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) if (out.push(x) >= max) break;
  return out;
}

/**
 * The streamed route, written to the file as bytes arrive (one chunk in memory), rather than paging
 * /v1/audit/events: the file is the route's own export, trailer included, so what an auditor
 * verifies is byte for byte what the API sent. The last line is kept to check the trailer's count.
 */
async function auditExport(client: CustodianClient, from: string): Promise<number> {
  const { createWriteStream } = await import('node:fs');
  const { Readable, Transform } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const { StringDecoder } = await import('node:string_decoder');
  const format = opts.csv ? 'csv' : 'ndjson';
  const res = await client.auditExport({ from, to: str('to'), format });
  let lines = 0;
  let tail = '';
  const decoder = new StringDecoder('utf8');
  const watch = new Transform({
    transform(chunk: Buffer, _enc, done) {
      for (let i = chunk.indexOf(10); i >= 0; i = chunk.indexOf(10, i + 1)) lines++;
      // The end of what arrived, enough to hold the trailer line (a few hundred bytes).
      tail = (tail + decoder.write(chunk)).slice(-4096);
      done(null, chunk);
    },
  });
  const out = str('out') ? createWriteStream(str('out')!) : process.stdout;
  try {
    await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), watch, out);
  } catch (err) {
    throw new Error(
      `the export was cut short after ${lines} lines (${(err as Error).message}); the file is incomplete`,
    );
  }
  if (format === 'csv') {
    console.error(
      `${Math.max(0, lines - 1)} events exported (CSV has no trailer: use NDJSON to prove the export whole)`,
    );
    return 0;
  }
  const last = tail.split('\n').filter(Boolean).at(-1) ?? '';
  let trailer: unknown;
  try {
    trailer = JSON.parse(last);
  } catch {
    trailer = undefined;
  }
  if (!isExportTrailer(trailer) || trailer.events !== lines - 1) {
    console.error(
      `custodian: the export was cut short: ${lines} lines and no trailer that counts them; the file is incomplete`,
    );
    return 3;
  }
  console.error(
    `${trailer.events} events exported, ${trailer.from} to ${trailer.to} (complete: the trailer's count matches)`,
  );
  return 0;
}

/**
 * A bulk load job: the file is uploaded to the import prefix (a presigned PUT, gzip kept as it is), the
 * job started, its progress shown as a bar until it ends; the rejects are downloaded from the job.
 */
async function ecifImport(client: CustodianClient, file: string): Promise<number> {
  const { readFile } = await import('node:fs/promises');
  const path = await import('node:path');
  const job = await client.createImport({ fileName: path.basename(file).replace(/[^A-Za-z0-9._-]/g, '_') });
  const put = await fetch(job.uploadUrl!, { method: 'PUT', body: await readFile(file) });
  if (!put.ok) throw new ApiError(put.status, { title: 'the upload was refused' });
  await client.startImport(job.id);
  let now = await client.importProgress(job.id);
  const bar = (j: typeof now) => {
    const total = j.lines ?? 0;
    const width = 30;
    const filled = total ? Math.round((j.read / total) * width) : 0;
    return `\r  [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${j.read}/${total || '?'} read, ${j.created} created, ${j.updated} updated, ${j.unchanged} unchanged, ${j.rejected} rejected`;
  };
  while (now.status !== 'finished' && now.status !== 'failed') {
    if (!opts.json && process.stderr.isTTY) process.stderr.write(bar(now));
    await new Promise((r) => setTimeout(r, 500));
    now = await client.importProgress(job.id);
  }
  if (!opts.json && process.stderr.isTTY) process.stderr.write(`${bar(now)}\n`);
  const rejects = now.rejectsUrl
    ? (await (await fetch(now.rejectsUrl)).text())
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>)
    : [];
  const { rejectsUrl: _u, ...summary } = now;
  print(opts.json ? { ...summary, rejects } : summary);
  if (rejects.length && !opts.json) console.log(`\nrejected:\n${table(rejects)}`);
  if (now.status === 'failed') return 3;
  return rejects.length ? 4 : 0;
}

async function main(): Promise<number> {
  const [group, verb, ...rest] = positionals;
  if (opts.help || !group) {
    console.log(usage);
    return opts.help ? 0 : 2;
  }
  if (group === 'token') {
    const { signDevToken, isRole } = await import('#infra/local/dev-issuer.ts');
    const role = str('role');
    if (!role || !isRole(role)) throw new UsageError('token needs --role customer|crm|auditor|operator|steward');
    console.log(await signDevToken({ role, sub: str('sub') }));
    return 0;
  }
  const client = createClient({
    baseUrl: str('url') ?? process.env.CUSTODIAN_URL ?? 'http://127.0.0.1:3000',
    token: str('token') ?? process.env.CUSTODIAN_TOKEN,
    exportBaseUrl: str('export-url') ?? process.env.CUSTODIAN_EXPORT_URL,
  });
  const need = (value: string | undefined, what: string) => {
    if (!value) throw new UsageError(`missing ${what}`);
    return value;
  };
  const key = `${group} ${verb ?? ''}`.trim();
  switch (key) {
    case 'health':
      print(await client.health());
      return 0;
    case 'systems list':
      print(
        opts.json
          ? await client.systems()
          : (await client.systems()).items.map((s) => ({
              systemId: s.systemId,
              name: s.name,
              connector: (s.connector as { kind: string }).kind,
              capabilities: (s.capabilities as string[]).join(' '),
            })),
      );
      return 0;
    case 'systems put': {
      const { readFile } = await import('node:fs/promises');
      const definition = str('definition');
      const body = definition
        ? (await import('./rest-system.ts')).restSystemBody(
            definition,
            JSON.parse(await readFile(need(str('settings'), '--settings'), 'utf8')),
          )
        : JSON.parse(await readFile(need(rest[1], 'file'), 'utf8'));
      print(await client.putSystem(need(rest[0], 'system id'), body));
      return 0;
    }
    case 'systems rotate-key':
      print(await client.rotateSystemKey(need(rest[0], 'system id')));
      return 0;
    case 'hold place':
      print(
        await client.placeLegalHold(need(rest[0], 'ecifId'), {
          reference: need(str('reference'), '--reference'),
          reason: need(str('reason'), '--reason'),
        }),
      );
      return 0;
    case 'hold show':
      print(await client.legalHold(need(rest[0], 'ecifId')));
      return 0;
    case 'hold release':
      print(await client.releaseLegalHold(need(rest[0], 'ecifId')));
      return 0;
    case 'ecif resolve': {
      const system = str('system');
      const found = await client.resolveCustomer({
        ...(str('email') ? { email: str('email') } : {}),
        ...(str('phone') ? { phone: str('phone') } : {}),
        ...(system ? { systemRef: { systemId: system, localId: need(str('local-id'), '--local-id') } } : {}),
      });
      if (opts.json) print(found);
      else {
        console.log(`ecifId: ${found.ecifId}`);
        console.log(table(found.crossReferences.map(({ systemId, localId, since }) => ({ systemId, localId, since }))));
      }
      return 0;
    }
    case 'report ccpa-metrics':
      return reportCcpaMetrics(client, need(str('year'), '--year'), {
        csv: opts.csv === true,
        json: opts.json === true,
        table,
      });
    case 'report ropa':
      return reportRopa(client, { csv: opts.csv === true, json: opts.json === true, table });
    case 'ecif import':
      return ecifImport(client, need(rest[0], 'file'));
    case 'requests submit': {
      const email = need(str('email'), '--email');
      print(
        await client.submitRequest({
          type: need(str('type'), '--type') as never,
          jurisdiction: need(str('jurisdiction'), '--jurisdiction') as never,
          identifiers: { email },
        }),
      );
      return 0;
    }
    case 'requests verify':
      print(await client.verifyRequest(need(rest[0], 'request id'), need(rest[1], 'code')));
      return 0;
    case 'requests list': {
      const items = await collect(
        client.requests({ status: str('status'), type: str('type'), ...(opts.overdue ? { overdue: 'true' } : {}) }),
      );
      print(
        opts.json
          ? items
          : items.map((r) => ({
              id: r.id,
              type: r.type,
              jurisdiction: r.jurisdiction,
              status: r.status,
              dueAt: (r.extension as { extendedDueAt?: string } | undefined)?.extendedDueAt ?? r.dueAt,
              attention: r.attention ?? '',
            })),
      );
      return 0;
    }
    case 'requests extend':
      print(await client.extendRequest(need(rest[0], 'request id'), need(str('reason'), '--reason')));
      return 0;
    case 'requests deny':
      print(
        await client.denyRequest(
          need(rest[0], 'request id'),
          need(str('reason'), '--reason'),
          need(str('detail'), '--detail'),
        ),
      );
      return 0;
    case 'requests retry':
      print(await client.retryRequest(need(rest[0], 'request id')));
      return 0;
    case 'requests cancel':
      print(await client.cancelRequest(need(rest[0], 'request id'), str('key')));
      return 0;
    case 'requests complete': {
      const records = str('records');
      print(
        await client.completeManualTask(need(rest[0], 'request id'), need(rest[1], 'system id'), {
          outcome: opts['not-possible'] ? 'not_possible' : 'done',
          evidence: { reference: need(str('evidence'), '--evidence') },
          ...(records ? { recordsAffected: Number(records) } : {}),
          ...(str('reason') ? { reason: str('reason') } : {}),
        }),
      );
      return 0;
    }
    case 'requests show': {
      const r = await client.request(need(rest[0], 'request id'), str('key'));
      if (opts.json) print(r);
      else {
        const { systems, ...head } = r as Record<string, unknown> & { systems?: Record<string, unknown>[] };
        print(head);
        if (systems) console.log(`\n${table(systems)}`);
      }
      return 0;
    }
    case 'consent show': {
      const shown = await client.consents(need(rest[0], 'ecifId'), str('as-of'));
      if (opts.json) print(shown);
      else
        print(
          shown.consents.map(({ purpose, channel, state, capturedAt, eventId }) => ({
            purpose,
            channel,
            state,
            capturedAt,
            eventId,
          })),
        );
      return 0;
    }
    case 'consent history':
      print(await collect(client.consentHistory(need(rest[0], 'ecifId'))));
      return 0;
    case 'consent batch': {
      const { readFile } = await import('node:fs/promises');
      const subjects = (await readFile(need(rest[2], 'file'), 'utf8'))
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter(Boolean)
        .map((l) =>
          l.includes(',')
            ? { systemId: l.split(',')[0].trim(), localId: l.split(',').slice(1).join(',').trim() }
            : { ecifId: l },
        );
      const answer = await client.decideBatch({
        purpose: need(rest[0], 'purpose'),
        channel: need(rest[1], 'channel'),
        subjects,
      });
      if (opts.json) print(answer);
      else {
        const allowed = answer.items.filter((i) => i.decision === 'allow');
        print(allowed.map((i) => ({ subject: i.ecifId ?? JSON.stringify(i.subject), reason: i.reason })));
        console.error(`${allowed.length} of ${answer.items.length} may be contacted (decided ${answer.decidedAt})`);
      }
      return 0;
    }
    case 'consent receipt':
      print(await client.receipt(need(rest[0], 'receipt id')));
      return 0;
    case 'consent decide':
      print(
        await client.decide({
          ecifId: need(rest[0], 'ecifId'),
          purpose: need(rest[1], 'purpose') as never,
          channel: need(rest[2], 'channel') as never,
        }),
      );
      return 0;
    case 'audit events':
      print(
        await collect(
          client.auditEvents({ from: need(str('from'), '--from'), to: str('to'), requestId: str('request-id') }),
        ),
      );
      return 0;
    case 'audit export':
      return auditExport(client, need(str('from'), '--from'));
    case 'audit verify':
      print(await client.auditVerify({ from: need(str('from'), '--from'), to: str('to') }));
      return 0;
    default:
      throw new UsageError(`unknown command: ${key}`);
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    if (err instanceof UsageError) {
      console.error(`${err.message}\n\n${usage}`);
      process.exit(2);
    }
    if (err instanceof ApiError) {
      console.error(`custodian: ${err.message}`);
      process.exit(err.status >= 500 ? 3 : 1);
    }
    console.error(`custodian: ${(err as Error).message ?? err}`);
    process.exit(3);
  },
);
