/** A merged golden record answers as its survivor: the one hop every route that takes an ecifId makes. */
import type { GoldenRecord } from './customer.ts';
import type { EcifRegistry } from './ports.ts';

/** The record an ecifId answers as (its survivor once merged), or undefined when the ECIF has none. */
export async function survivingRecord(ecif: EcifRegistry, ecifId: string): Promise<GoldenRecord | undefined> {
  const record = await ecif.getCustomer(ecifId);
  return record?.mergedInto ? ecif.getCustomer(record.mergedInto.survivor) : record;
}
