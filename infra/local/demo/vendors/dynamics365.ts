/** The Dataverse Web API as the `dynamics365` definition uses it (test/fixtures/vendor-apis/dynamics365.yaml). */
import { body, picked, rows, type VendorShape } from './shape.ts';

// Dataverse: OData errors, rows addressed as set(id), a PATCH that must not create (If-Match: *).
const dvMissing = { error: { code: '0x80040217', message: 'Entity Does Not Exist' } };
const dvRow = /^\/api\/data\/v9\.2\/(contacts|leads)\(([0-9a-f-]{36})\)$/;
const dvKey = (set: string) => (set === 'contacts' ? 'contactid' : 'leadid');
export const dynamics365: VendorShape = {
  auth: 'oauth2',
  unauthorized: { error: { code: '0x80072560', message: 'The user is not a member of the organization.' } },
  notFound: dvMissing,
  routes: [
    {
      method: 'GET',
      path: dvRow,
      answer: (req, [, set, id], store) => {
        const row = rows(store, set).get(id);
        if (!row) return { status: 404, body: dvMissing };
        const full = { [dvKey(set)]: id, ...row };
        return {
          status: 200,
          body: { '@odata.etag': 'W/"1"', ...picked(full, req.url.searchParams.get('$select'), []) },
        };
      },
    },
    {
      method: 'PATCH',
      path: dvRow,
      answer: (req, [, set, id], store) => {
        const row = rows(store, set).get(id);
        if (req.headers['if-match'] !== '*')
          return { status: 400, body: { error: { code: '0x0', message: 'upsert refused here' } } };
        if (!row) return { status: 404, body: dvMissing };
        Object.assign(row, body(req));
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: dvRow,
      answer: (_, [, set, id], store) =>
        rows(store, set).delete(id) ? { status: 204 } : { status: 404, body: dvMissing },
    },
    {
      method: 'GET',
      path: /^\/api\/data\/v9\.2\/(contacts|leads)$/,
      answer: (req, [, set], store) => {
        const f = /^emailaddress1 eq '((?:[^']|'')*)'$/.exec(req.url.searchParams.get('$filter') ?? '');
        if (!f) return { status: 400, body: { error: { code: '0x80060888', message: 'unexpected filter' } } };
        const email = f[1].replace(/''/g, "'").toLowerCase();
        const value = [...rows(store, set)]
          .filter(([, r]) => String(r.emailaddress1).toLowerCase() === email)
          .map(([id]) => ({ [dvKey(set)]: id }));
        return { status: 200, body: { '@odata.context': `$metadata#${set}`, value } };
      },
    },
  ],
};
