/**
 * decisions: (1) one decision through the Lambda handler (middy chain, validation, the Query and the
 * ECIF read at once, the rules, the signed token) vs the same raw Query and GetItem at once, median and
 * p99 (target ≤ 1.25); (2) a batch of 10,000 vs raw BatchGetItems of the same keys (consent and ECIF) at
 * the same concurrency (target ≤ 1.5);
 * (3) 10,000 single decision calls vs that one batch (the batch at least 10x faster: ratio ≤ 0.1);
 * (4) the decision function's bundle: minified size, and import time vs an empty module.
 */
import { BatchGetItemCommand, GetItemCommand, QueryCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { execFileSync } from 'node:child_process';
import { build } from 'esbuild';
import { mkdtempSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { newId } from '#core/shared/ids.ts';
import { buildEvent, lambdaContext } from '#infra/local/gateway.ts';
import { median, percentile, type BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const SUBJECTS = 10_000;
const CONCURRENCY = 16;

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const stores = await startLocalStores();
  try {
    const ids = Array.from({ length: SUBJECTS }, (_, i) => `B${String(i).padStart(6, '0')}`);
    // Each subject: a golden record in the ECIF (a decision asks it who the subject is) and a grant
    // for marketing by email (the projection a decision reads).
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map((ecifId) =>
          stores.deps.ecif.saveCustomer({
            record: {
              ecifId,
              status: 'active',
              name: null,
              addresses: [],
              emails: [],
              phones: [],
              nationalIds: [],
              identities: [],
              createdAt: new Date().toISOString(),
              updatedAt: new Date().toISOString(),
            },
            addIdentities: [],
            removeIdentities: [],
            crossReferences: [],
            removeCrossReferences: [],
          }),
        ),
      );
    }
    for (let i = 0; i < ids.length; i += 25) {
      await Promise.all(
        ids.slice(i, i + 25).map((ecifId) =>
          stores.deps.consent.append([
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
              capturedAt: new Date().toISOString(),
              receiptId: newId(),
            },
          ]),
        ),
      );
    }
    const { handler: single } = await import('#handlers/http/decide-consent.ts');
    const { handler: batch } = await import('#handlers/http/decide-consent-batch.ts');
    const auth = { claims: { sub: 'crm-bench', 'cognito:groups': 'crm' }, scopes: [] };
    // The event is API Gateway's work, not the function's: built before the clock starts in (1).
    const eventFor = (path: string, body: unknown) =>
      buildEvent(
        {
          method: 'POST',
          url: path,
          headers: { 'content-type': 'application/json' },
          body: Buffer.from(JSON.stringify(body)),
        },
        `POST ${path}`,
        {},
        auth,
      );
    const invoke = async (h: typeof single, event: ReturnType<typeof buildEvent>) => {
      const res = (await h(event, lambdaContext('bench', event.requestContext.requestId))) as {
        statusCode: number;
        body: string;
      };
      if (res.statusCode !== 200) throw new Error(`${event.rawPath} answered ${res.statusCode}: ${res.body}`);
      return res;
    };
    const call = (h: typeof single, path: string, body: unknown) => invoke(h, eventFor(path, body));
    // What a decision by ecifId reads, raw and at once: the consent projection and the ECIF status.
    const rawQuery = (ecifId: string) =>
      Promise.all([
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

    // The same keys the batch reads (33 subjects x 3 consent keys, or 100 ECIF profiles, per
    // BatchGetItem), the two at once, each at the same concurrency.
    const rawReads = async (
      table: string,
      chunks: Record<string, AttributeValue>[][],
      projection?: { ProjectionExpression: string; ExpressionAttributeNames: Record<string, string> },
    ) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < chunks.length) {
            let keys: Record<string, AttributeValue>[] | undefined = chunks[next++];
            while (keys?.length) {
              const res: { UnprocessedKeys?: Record<string, { Keys?: Record<string, AttributeValue>[] }> } =
                await stores.dynamo.client.send(
                  new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ...projection } } }),
                );
              keys = res.UnprocessedKeys?.[table]?.Keys;
            }
          }
        }),
      );
    };
    const chunked = (all: string[], n: number) =>
      Array.from({ length: Math.ceil(all.length / n) }, (_, i) => all.slice(i * n, i * n + n));
    const rawBatchReads = (all: string[]) =>
      Promise.all([
        rawReads(
          stores.tables.consent,
          chunked(all, 33).map((chunk) =>
            chunk.flatMap((id) =>
              ['CUR#marketing#email', 'CUR#marketing#any', 'CUR#~FLAGS'].map((sk) => ({
                PK: { S: `SUBJ#${id}` },
                SK: { S: sk },
              })),
            ),
          ),
        ),
        rawReads(
          stores.tables.ecif,
          chunked(all, 100).map((chunk) => chunk.map((id) => ({ PK: { S: `CUST#${id}` }, SK: { S: 'PROFILE' } }))),
          { ProjectionExpression: 'ecifId, #s', ExpressionAttributeNames: { '#s': 'status' } },
        ),
      ]);

    // (1) single: interleaved, so both see the same machine.
    const n = Math.max(200, opts.runs * 50);
    const handlerMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < 50; i++)
      await call(single, '/v1/consent-decisions', { ecifId: ids[i], purpose: 'marketing', channel: 'email' });
    for (let i = 0; i < n; i++) {
      const ecifId = ids[i % ids.length];
      const event = eventFor('/v1/consent-decisions', { ecifId, purpose: 'marketing', channel: 'email' });
      let t = performance.now();
      await invoke(single, event);
      handlerMs.push(performance.now() - t);
      t = performance.now();
      await rawQuery(ecifId);
      rawMs.push(performance.now() - t);
    }

    // (2) batch of 10,000 vs the raw Queries at the same concurrency.
    const subjects = ids.map((ecifId) => ({ ecifId }));
    const batchMs: number[] = [];
    const rawBatchMs: number[] = [];
    for (let r = 0; r < Math.max(3, Math.min(opts.runs, 5)); r++) {
      let t = performance.now();
      await call(batch, '/v1/consent-decisions/batch', { purpose: 'marketing', channel: 'email', subjects });
      batchMs.push(performance.now() - t);
      t = performance.now();
      await rawBatchReads(ids);
      rawBatchMs.push(performance.now() - t);
    }

    // (3) 10,000 single calls, one after another, as a CRM without the batch route would.
    const t = performance.now();
    for (const ecifId of ids)
      await call(single, '/v1/consent-decisions', { ecifId, purpose: 'marketing', channel: 'email' });
    const singlesMs = performance.now() - t;

    // (4) the bundle CDK would ship (esbuild, ESM, minified, node22), and its import time.
    const dir = mkdtempSync(path.join(tmpdir(), 'custodian-bundle-'));
    const outfile = path.join(dir, 'decide.mjs');
    await build({
      entryPoints: ['functions/handlers/http/decide-consent.ts'],
      bundle: true,
      minify: true,
      platform: 'node',
      format: 'esm',
      target: 'node22',
      outfile,
      banner: { js: "import { createRequire } from 'module'; const require = createRequire(import.meta.url);" },
      logLevel: 'silent',
    });
    const empty = path.join(dir, 'empty.mjs');
    writeFileSync(empty, 'export const handler = async () => ({ statusCode: 200 });');
    // In a fresh process each time, as a Lambda cold start imports it: median of 5.
    const importMs = (file: string) => {
      const times = Array.from({ length: 5 }, () => {
        const out = execFileSync(process.execPath, [
          '--input-type=module',
          '-e',
          `const t = performance.now(); await import(${JSON.stringify(pathToFileURL(file).href)}); process.stdout.write(String(performance.now() - t));`,
        ]);
        return Number(out.toString());
      });
      return median(times);
    };
    const bundleImport = importMs(outfile);
    const emptyImport = importMs(empty);

    const single50 = median(handlerMs) / median(rawMs);
    return [
      {
        bench: 'decision: handler vs its raw Query and GetItem (median)',
        ratio: single50,
        target: 1.25,
        detail: `${median(handlerMs).toFixed(2)} ms vs ${median(rawMs).toFixed(2)} ms; ${n} interleaved`,
      },
      {
        bench: 'decision: handler vs its raw Query and GetItem (p99)',
        ratio: percentile(handlerMs, 99) / percentile(rawMs, 99),
        target: 1.25,
        detail: `${percentile(handlerMs, 99).toFixed(2)} ms vs ${percentile(rawMs, 99).toFixed(2)} ms`,
      },
      {
        bench: 'decision batch of 10,000 vs raw BatchGetItems of its keys',
        ratio: median(batchMs) / median(rawBatchMs),
        target: 1.5,
        detail: `${Math.round(median(batchMs))} ms vs ${Math.round(median(rawBatchMs))} ms`,
      },
      {
        bench: 'decision batch of 10,000 vs 10,000 single calls',
        ratio: median(batchMs) / singlesMs,
        target: 0.1,
        detail: `${Math.round(median(batchMs))} ms vs ${Math.round(singlesMs)} ms (at least 10x faster: ratio <= 0.1)`,
      },
      {
        bench: 'decision bundle import vs an empty handler',
        ratio: bundleImport / emptyImport,
        detail: `${(statSync(outfile).size / 1024).toFixed(0)} KiB minified; import ${bundleImport.toFixed(1)} ms vs ${emptyImport.toFixed(1)} ms`,
      },
    ];
  } finally {
    await stores.stop();
  }
}
