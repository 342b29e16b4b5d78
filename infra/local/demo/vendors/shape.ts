/** What a vendor's shape is made of (./vendor-api.ts runs one): its routes over a store of records. */
import type { VendorAnswer, VendorRequest } from '../vendor-api.ts';

export type { VendorAnswer, VendorRequest };

export type Store = Map<string, Map<string, Record<string, unknown>>>;
export type Row = Record<string, unknown>;

export interface Route {
  method: string;
  path: RegExp;
  answer(req: VendorRequest, m: RegExpExecArray, store: Store): VendorAnswer;
}

export interface VendorShape {
  auth: 'oauth2' | 'bearer' | 'basic';
  unauthorized: unknown;
  notFound: unknown;
  routes: Route[];
}

export const rows = (store: Store, object: string) => {
  let r = store.get(object);
  if (!r) store.set(object, (r = new Map()));
  return r;
};
/** A record with only the fields asked for (a `$select`, a `fields=`), plus the ones always there. */
export const picked = (row: Row, list: string | null, always: string[]) =>
  list ? Object.fromEntries([...always, ...list.split(',')].filter((k) => k in row).map((k) => [k, row[k]])) : row;
export const body = (req: VendorRequest) => (req.body ?? {}) as Row;
