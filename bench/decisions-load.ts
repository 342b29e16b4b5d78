/**
 * decisions-load: 50 CRM clients at once, each asking one decision after another through the local
 * gateway (HTTP, the dev JWT checked as the HTTP API authorizer would, the Lambda handler), against
 * the raw reads of the same items (the consent Query and the ECIF GetItem, at once) at 50 in flight,
 * in the same run and interleaved rounds. Throughput: at least 0.8 of raw; p99 at most 1.25x; no
 * errors. The Node CPU time per decision (process.cpuUsage over the round) is printed beside it: the
 * CPU a decision spends beside its read (the chain, validation, the signature, the log line).
 * The HTTP clients run in this process too (node:http, keep-alive; no load tool is a dependency).
 */
import { Agent, request } from 'node:http';
import { GetItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { newId } from '#core/shared/ids.ts';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startGateway } from '#infra/local/gateway.ts';
import { median, percentile, type BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const CLIENTS = 50;
const SUBJECTS = 2_000;

interface Round {
  ms: number[];
  errors: number;
  wallMs: number;
  cpuMs: number;
}

/** `total` calls of `one`, `CLIENTS` at a time, each client one call after another. */
async function round(total: number, one: (i: number) => Promise<boolean>): Promise<Round> {
  const ms: number[] = [];
  let errors = 0;
  let next = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      for (let i = next++; i < total; i = next++) {
        const t = performance.now();
        if (!(await one(i).catch(() => false))) errors++;
        ms.push(performance.now() - t);
      }
    }),
  );
  const wallMs = performance.now() - started;
  const used = process.cpuUsage(cpu);
  return { ms, errors, wallMs, cpuMs: (used.user + used.system) / 1000 };
}

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const stores = await startLocalStores();
  const gateway = await startGateway({ port: 0 });
  const agent = new Agent({ keepAlive: true, maxSockets: CLIENTS });
  try {
    const ids = Array.from({ length: SUBJECTS }, (_, i) => `L${String(i).padStart(6, '0')}`);
    const now = new Date().toISOString();
    for (let i = 0; i < ids.length; i += 25)
      await Promise.all(
        ids.slice(i, i + 25).map(async (ecifId) => {
          await stores.deps.ecif.saveCustomer({
            record: {
              ecifId,
              status: 'active',
              name: null,
              addresses: [],
              emails: [],
              phones: [],
              nationalIds: [],
              identities: [],
              createdAt: now,
              updatedAt: now,
            },
            addIdentities: [],
            removeIdentities: [],
            crossReferences: [],
            removeCrossReferences: [],
          });
          await stores.deps.consent.append([
            {
              ecifId,
              eventId: newId(),
              purpose: 'marketing',
              channel: 'email',
              state: 'granted',
              lawfulBasis: 'consent',
              jurisdiction: 'GDPR',
              notice: { id: 'privacy-notice', version: '3' },
              method: 'web',
              evidence: { actorRole: 'customer', actorId: ecifId },
              capturedAt: now,
              receiptId: newId(),
            },
          ]);
        }),
      );
    const authorization = `Bearer ${await signDevToken({ role: 'crm' })}`;
    const { port } = gateway;
    const decide = (i: number) =>
      new Promise<boolean>((resolve, reject) => {
        const body = JSON.stringify({ ecifId: ids[i % ids.length], purpose: 'marketing', channel: 'email' });
        const req = request(
          {
            agent,
            host: '127.0.0.1',
            port,
            method: 'POST',
            path: '/v1/consent-decisions',
            headers: { authorization, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (c: string) => {
              text += c;
            });
            res.on('end', () => resolve(res.statusCode === 200 && text.includes('"decision":"allow"')));
            res.on('error', reject);
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const raw = async (i: number) => {
      const ecifId = ids[i % ids.length];
      const [q, g] = await Promise.all([
        stores.dynamo.client.send(
          new QueryCommand({
            TableName: stores.tables.consent,
            KeyConditionExpression: 'PK = :pk AND begins_with(SK, :cur)',
            ExpressionAttributeValues: { ':pk': { S: `SUBJ#${ecifId}` }, ':cur': { S: 'CUR#' } },
          }),
        ),
        stores.dynamo.client.send(
          new GetItemCommand({
            TableName: stores.tables.ecif,
            Key: { PK: { S: `CUST#${ecifId}` }, SK: { S: 'PROFILE' } },
            ProjectionExpression: 'ecifId, #s',
            ExpressionAttributeNames: { '#s': 'status' },
          }),
        ),
      ]);
      return (q.Items?.length ?? 0) > 0 && g.Item !== undefined;
    };

    // Warm both paths (the JIT, the sockets, DynamoDB Local's JVM), then interleaved rounds.
    await round(1_000, decide);
    await round(1_000, raw);
    const rounds = Math.max(3, Math.min(opts.runs, 5));
    const perRound = 2_000;
    const d: Round[] = [];
    const r: Round[] = [];
    for (let k = 0; k < rounds; k++) {
      d.push(await round(perRound, decide));
      r.push(await round(perRound, raw));
    }
    const rate = (x: Round) => (x.ms.length / x.wallMs) * 1000;
    const ratios = d.map((x, k) => rate(x) / rate(r[k]));
    const dAll = d.flatMap((x) => x.ms);
    const rAll = r.flatMap((x) => x.ms);
    const errors = d.reduce((n, x) => n + x.errors, 0) + r.reduce((n, x) => n + x.errors, 0);
    if (errors > 0) throw new Error(`${errors} calls under load failed or did not allow`);
    const cpuPer = (xs: Round[]) => median(xs.map((x) => x.cpuMs / x.ms.length));
    const spread = `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`;
    return [
      {
        bench: `decisions under load: ${CLIENTS} CRM clients via the gateway vs raw reads (throughput)`,
        ratio: median(ratios),
        target: 0.8,
        atLeast: true,
        detail:
          `${Math.round(median(d.map(rate)))} vs ${Math.round(median(r.map(rate)))} per s (rounds ${spread}), ` +
          `${rounds} x ${perRound} each, no errors; Node CPU ${cpuPer(d).toFixed(2)} ms per decision ` +
          `(gateway, client and handler) vs ${cpuPer(r).toFixed(2)} ms per raw pair`,
      },
      {
        bench: `decisions under load: ${CLIENTS} CRM clients via the gateway vs raw reads (p99)`,
        ratio: percentile(dAll, 99) / percentile(rAll, 99),
        target: 1.25,
        detail: `${percentile(dAll, 99).toFixed(1)} ms vs ${percentile(rAll, 99).toFixed(1)} ms; median ${median(dAll).toFixed(1)} vs ${median(rAll).toFixed(1)} ms`,
      },
    ];
  } finally {
    agent.destroy();
    await gateway.stop();
    await stores.stop();
  }
}
