/** Mailchimp's list members as the `mailchimp` definition uses them (test/fixtures/vendor-apis/mailchimp.yaml). */
import { body, type Row, rows, type VendorShape } from './shape.ts';

// Mailchimp: a member per audience, keyed by the MD5 of its lower-cased email; problem+json errors.
const mcMissing = {
  type: 'https://mailchimp.com/developer/marketing/docs/errors/',
  title: 'Resource Not Found',
  status: 404,
};
const mcRow = /^\/3\.0\/lists\/([a-z0-9]+)\/members\/([a-f0-9]{32})$/;
export const mailchimp: VendorShape = {
  auth: 'basic',
  unauthorized: { title: 'API Key Missing', status: 401 },
  notFound: mcMissing,
  routes: [
    {
      method: 'GET',
      path: mcRow,
      answer: (_, [, list, hash], store) => {
        const row = rows(store, list).get(hash);
        return row ? { status: 200, body: { id: hash, list_id: list, ...row } } : { status: 404, body: mcMissing };
      },
    },
    {
      method: 'PATCH',
      path: mcRow,
      answer: (req, [, list, hash], store) => {
        const row = rows(store, list).get(hash);
        if (!row) return { status: 404, body: mcMissing };
        const { merge_fields, ...rest } = body(req);
        Object.assign(
          row,
          rest,
          merge_fields ? { merge_fields: { ...(row.merge_fields as Row), ...(merge_fields as Row) } } : {},
        );
        return { status: 200, body: { id: hash, list_id: list, ...row } };
      },
    },
    {
      method: 'POST',
      path: /^\/3\.0\/lists\/([a-z0-9]+)\/members\/([a-f0-9]{32})\/actions\/delete-permanent$/,
      answer: (_, [, list, hash], store) =>
        rows(store, list).delete(hash) ? { status: 204 } : { status: 404, body: mcMissing },
    },
  ],
};
