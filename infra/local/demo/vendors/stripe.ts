/** Stripe's customers as the `stripe` definition uses them (test/fixtures/vendor-apis/stripe.json). */
import { type Row, rows, type VendorShape } from './shape.ts';

// Stripe: form-encoded writes, a deleted customer still answers (`deleted: true`), search by query.
const stMissing = { error: { type: 'invalid_request_error', code: 'resource_missing', message: 'No such customer' } };
const stRow = /^\/v1\/customers\/(cus_[A-Za-z0-9]+)$/;
const gone = (id: string) => ({ id, object: 'customer', deleted: true });
export const stripe: VendorShape = {
  auth: 'bearer',
  unauthorized: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } },
  notFound: stMissing,
  routes: [
    {
      method: 'GET',
      path: stRow,
      answer: (_, [, id], store) => {
        const row = rows(store, 'customer').get(id);
        if (!row) return { status: 404, body: stMissing };
        return { status: 200, body: row.deleted ? gone(id) : { id, object: 'customer', ...row } };
      },
    },
    {
      method: 'DELETE',
      path: stRow,
      answer: (_, [, id], store) => {
        if (!rows(store, 'customer').has(id)) return { status: 404, body: stMissing };
        rows(store, 'customer').set(id, { deleted: true });
        return { status: 200, body: gone(id) };
      },
    },
    {
      method: 'POST',
      path: stRow,
      answer: (req, [, id], store) => {
        const row = rows(store, 'customer').get(id);
        if (!row || row.deleted) return { status: 404, body: stMissing };
        for (const [k, v] of new URLSearchParams(req.text)) {
          const [top, sub] = k.replace(/\]$/, '').split('[');
          if (sub) row[top] = { ...(row[top] as Row), [sub]: v === '' ? null : v };
          else row[top] = v === '' ? null : v;
        }
        return { status: 200, body: { id, object: 'customer', ...row } };
      },
    },
    {
      method: 'GET',
      path: /^\/v1\/customers\/search$/,
      answer: (req, _, store) => {
        const q = /^email:'((?:[^'\\]|\\.)*)'$/.exec(req.url.searchParams.get('query') ?? '');
        if (!q) return { status: 400, body: { error: { type: 'invalid_request_error', message: 'bad query' } } };
        const email = q[1].replace(/\\(.)/g, '$1').toLowerCase();
        const data = [...rows(store, 'customer')]
          .filter(([, r]) => !r.deleted && String(r.email).toLowerCase() === email)
          .map(([id, r]) => ({ id, object: 'customer', ...r }));
        return {
          status: 200,
          body: { object: 'search_result', data, has_more: false, next_page: null, url: '/v1/customers/search' },
        };
      },
    },
  ],
};
