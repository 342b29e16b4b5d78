/** `custodian report …`: the regulators' figures, as a table for people, JSON (--json) or the API's CSV (--csv). */
import type { CustodianClient } from '../client/client.ts';

/** 0 printed; 2 when the year is not one (a usage error, as for every other bad value). */
export async function reportCcpaMetrics(
  client: CustodianClient,
  yearText: string,
  out: { csv: boolean; json: boolean; table: (rows: Record<string, unknown>[]) => string },
): Promise<number> {
  if (!/^\d{4}$/.test(yearText)) {
    console.error('custodian: --year takes a calendar year, such as 2026');
    return 2;
  }
  const year = Number(yearText);
  if (out.csv) {
    process.stdout.write(await client.ccpaMetricsCsv(year));
    return 0;
  }
  const metrics = await client.ccpaMetrics(year);
  if (out.json) {
    console.log(JSON.stringify(metrics, null, 2));
    return 0;
  }
  const rows = Object.entries(metrics.rights).map(([right, f]) => ({
    right,
    received: f.received,
    complied: `${f.complied} (${f.compliedInWhole} whole, ${f.compliedInPart} part)`,
    denied: f.denied,
    withdrawn: f.withdrawn,
    open: f.open,
    'median days': f.medianDaysToRespond ?? '-',
    'mean days': f.meanDaysToRespond ?? '-',
  }));
  console.log(`CCPA metrics ${year} (11 CCR §7102)\n${out.table(rows)}`);
  const denials = Object.entries(metrics.rights).flatMap(([right, f]) =>
    Object.entries(f.deniedByReason as Record<string, number>).map(([reason, n]) => `  ${right}: ${n} ${reason}`),
  );
  if (denials.length) console.log(`\ndenied, by reason:\n${denials.join('\n')}`);
  return 0;
}

/** The record of processing activities: one row per activity, then the controller and what is missing. */
export async function reportRopa(
  client: CustodianClient,
  out: { csv: boolean; json: boolean; table: (rows: Record<string, unknown>[]) => string },
): Promise<number> {
  if (out.csv) {
    process.stdout.write(await client.ropaCsv());
    return 0;
  }
  const record = await client.ropa();
  if (out.json) {
    console.log(JSON.stringify(record, null, 2));
    return 0;
  }
  const rows = record.activities.map((a) => ({
    activity: a.id,
    name: a.name,
    'legal bases': a.legalBases.join(', ') || '-',
    data: a.dataCategories.join(', ') || '-',
    systems: a.systems.join(', ') || '-',
  }));
  console.log(`Record of processing activities (GDPR Art. 30)\n${out.table(rows)}`);
  console.log(`\ncontroller: ${record.controller.name ?? 'not configured (CONTROLLER_NAME)'}`);
  console.log(`DPO: ${record.dpo.contact ?? 'not configured (DPO_CONTACT)'}`);
  const gaps = record.activities.flatMap((a) => a.gaps.map((g) => `  ${a.id}: ${g}`));
  if (gaps.length) console.log(`\nnot yet recorded:\n${gaps.join('\n')}`);
  return 0;
}
