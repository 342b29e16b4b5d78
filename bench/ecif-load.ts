/**
 * ecif-load: a bulk load of 20,000 golden records (email, phone, two cross-references each: a profile,
 * four index keys, two cross-reference items) through the load job's batch code (loadBatch on the
 * DynamoDB adapter: suppression and profile reads, grouped conditional writes), in batches of 250 with
 * 8 batches in flight as the job's Map runs them. Two baselines on the same DynamoDB Local in the same
 * run: plain BatchWriteItem of the same items (25 a call, 8 in flight; no condition, no read) and one
 * conditional transaction per record (the single upsert's write, 8 in flight; on a 2,000-record sample,
 * its rate does not depend on the count). Ratios are records per second of the load over each baseline
 * (targets: >= 0.5 of plain batch writes, >= 3 of one transaction per record), one row per baseline
 * with the spread over the runs.
 */
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { loadBatch, type LoadLine } from '#core/ecif/bulk-load.ts';
import type { CustomerChange } from '#core/ecif/ports.ts';
import { identityKeysOf } from '#core/ecif/identifiers.ts';
import { systemClock } from '#core/shared/clock.ts';
import { median, type BenchResult } from './table.ts';
import { startLocalStores } from '../test/support/local-stores.ts';

const RECORDS = 20_000;
const SAMPLE_ONE_BY_ONE = 2_000;
const BATCH = 250;
const IN_FLIGHT = 8;

/** `number` makes the phone: distinct over every phase and run (a London number, +44 207 then 7 digits). */
function line(prefix: string, i: number, number: number): LoadLine {
  const n = String(i).padStart(6, '0');
  return {
    line: i + 1,
    ecifId: `${prefix}${n}`,
    body: {
      name: { given: 'Ada', family: `Load${n}` },
      emails: [`${prefix.toLowerCase()}${n}@bench.example`],
      phones: [`+44207${String(number).padStart(7, '0')}`],
      crossReferences: [
        { systemId: 'core-banking', localId: `CB-${prefix}${n}` },
        { systemId: 'crm', localId: `CRM-${prefix}${n}` },
      ],
    },
  };
}

async function pool<T>(items: T[], n: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

const perSecond = async (records: number, work: () => Promise<void>) => {
  const started = performance.now();
  await work();
  return records / ((performance.now() - started) / 1000);
};

export async function run(opts: { runs: number }): Promise<BenchResult[]> {
  const stores = await startLocalStores();
  const { ecif, hash } = stores.deps;
  const db = documentClient();
  const table = stores.tables.ecif;
  const runs = Math.max(1, Math.min(opts.runs, 3));
  const vsBatch: number[] = [];
  const vsOne: number[] = [];
  const rates: string[] = [];
  try {
    // Each run writes fresh ids and identifiers (a load of new customers, as a first load is).
    const changeOf = (l: LoadLine): CustomerChange => {
      const body = l.body as {
        name: { given: string; family: string };
        emails: string[];
        phones: string[];
        crossReferences: { systemId: string; localId: string }[];
      };
      const keys = [
        ...identityKeysOf({ email: body.emails[0] }, hash),
        ...identityKeysOf({ phone: body.phones[0] }, hash),
        ...body.crossReferences.flatMap((x) => identityKeysOf({ systemRef: x }, hash)),
      ];
      const at = new Date().toISOString();
      return {
        record: {
          ecifId: String(l.ecifId),
          name: body.name,
          emails: body.emails,
          phones: body.phones,
          addresses: [],
          nationalIds: [],
          status: 'active',
          identities: keys,
          createdAt: at,
          updatedAt: at,
        },
        addIdentities: keys,
        removeIdentities: [],
        crossReferences: body.crossReferences.map((x) => ({ ...x, since: at })),
        removeCrossReferences: [],
      };
    };
    for (let r = 0; r < runs; r++) {
      const plain = Array.from({ length: RECORDS }, (_, i) => line(`P${r}`, i, r * 3 * RECORDS + i));
      const items = plain.map(changeOf).flatMap((c) => [
        { PK: `CUST#${c.record.ecifId}`, SK: 'PROFILE', ...c.record },
        ...c.addIdentities.map((k) => ({
          PK: `IDX#${k.kind}#${k.hash}`,
          SK: 'OWNER',
          ecifId: c.record.ecifId,
          kind: k.kind,
        })),
        ...c.crossReferences.map((x) => ({
          PK: `CUST#${c.record.ecifId}`,
          SK: `XREF#${x.systemId}#${x.localId}`,
          ...x,
        })),
      ]);
      const calls: (typeof items)[] = [];
      for (let i = 0; i < items.length; i += 25) calls.push(items.slice(i, i + 25));
      const batchRate = await perSecond(RECORDS, () =>
        pool(calls, IN_FLIGHT, async (c) => {
          await db.send(
            new BatchWriteCommand({ RequestItems: { [table]: c.map((Item) => ({ PutRequest: { Item } })) } }),
          );
        }),
      );

      const loaded = Array.from({ length: RECORDS }, (_, i) => line(`G${r}`, i, (r * 3 + 1) * RECORDS + i));
      const batches: LoadLine[][] = [];
      for (let i = 0; i < loaded.length; i += BATCH) batches.push(loaded.slice(i, i + BATCH));
      let created = 0;
      const loadRate = await perSecond(RECORDS, () =>
        pool(batches, IN_FLIGHT, async (b) => {
          const out = await loadBatch({ ecif, hash, clock: systemClock }, b);
          created += out.created;
        }),
      );
      if (created !== RECORDS) throw new Error(`ecif-load: ${created} of ${RECORDS} records created`);

      const single = Array.from({ length: SAMPLE_ONE_BY_ONE }, (_, i) =>
        line(`T${r}`, i, (r * 3 + 2) * RECORDS + i),
      ).map(changeOf);
      const oneRate = await perSecond(SAMPLE_ONE_BY_ONE, () => pool(single, IN_FLIGHT, (c) => ecif.saveCustomer(c)));

      vsBatch.push(loadRate / batchRate);
      vsOne.push(loadRate / oneRate);
      rates.push(`load ${loadRate.toFixed(0)}, batch ${batchRate.toFixed(0)}, one-by-one ${oneRate.toFixed(0)} rec/s`);
      console.error(`  run ${r + 1}: ${rates.at(-1)}`);
    }
    const spread = (xs: number[]) =>
      `${Math.min(...xs).toFixed(2)}-${Math.max(...xs).toFixed(2)} over ${xs.length} runs`;
    return [
      {
        bench: `ecif-load: ${RECORDS} records, grouped vs plain batch writes`,
        ratio: median(vsBatch),
        target: 0.5,
        atLeast: true,
        detail: `${spread(vsBatch)}; ${rates.join('; ')}`,
      },
      {
        bench: `ecif-load: ${RECORDS} records, grouped vs one transaction per record`,
        ratio: median(vsOne),
        target: 3,
        atLeast: true,
        detail: spread(vsOne),
      },
    ];
  } finally {
    await stores.stop();
  }
}
