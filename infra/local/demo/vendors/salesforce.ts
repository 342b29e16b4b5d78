/** Salesforce's REST API as the `salesforce` definition uses it (test/fixtures/vendor-apis/salesforce.yaml). */
import { body, picked, rows, type Store, type VendorAnswer, type VendorShape } from './shape.ts';

// Salesforce: errors are lists, query locators page one record at a time (so `nextRecordsUrl` is used).
const sfMissing = [{ errorCode: 'NOT_FOUND', message: 'The requested resource does not exist' }];
const sfRow = /^\/services\/data\/v[\d.]+\/sobjects\/(Contact|Lead)\/([A-Za-z0-9]+)$/;
function sfQuery(store: Store, object: string, email: string, offset: number): VendorAnswer {
  const ids = [...rows(store, object)].filter(([, r]) => String(r.Email).toLowerCase() === email.toLowerCase());
  const locator = Buffer.from(`${object}\n${email}`).toString('hex');
  const record = ids[offset];
  return {
    status: 200,
    body: {
      totalSize: ids.length,
      done: offset + 1 >= ids.length,
      ...(offset + 1 < ids.length ? { nextRecordsUrl: `/services/data/v60.0/query/${locator}-${offset + 1}` } : {}),
      records: record ? [{ attributes: { type: object }, Id: record[0] }] : [],
    },
  };
}

export const salesforce: VendorShape = {
  auth: 'oauth2',
  unauthorized: [{ errorCode: 'INVALID_SESSION_ID', message: 'Session expired or invalid' }],
  notFound: sfMissing,
  routes: [
    {
      method: 'GET',
      path: sfRow,
      answer: (req, [, type, id], store) => {
        const row = rows(store, type).get(id);
        if (!row) return { status: 404, body: sfMissing };
        return {
          status: 200,
          body: { attributes: { type }, ...picked({ Id: id, ...row }, req.url.searchParams.get('fields'), ['Id']) },
        };
      },
    },
    {
      method: 'PATCH',
      path: sfRow,
      answer: (req, [, type, id], store) => {
        const row = rows(store, type).get(id);
        if (!row) return { status: 404, body: sfMissing };
        Object.assign(row, body(req));
        return { status: 204 };
      },
    },
    {
      method: 'DELETE',
      path: sfRow,
      answer: (_, [, type, id], store) =>
        rows(store, type).delete(id) ? { status: 204 } : { status: 404, body: sfMissing },
    },
    {
      method: 'GET',
      path: /^\/services\/data\/v[\d.]+\/query$/,
      answer: (req, _, store) => {
        const q = /^SELECT Id FROM (\w+) WHERE Email = '((?:[^'\\]|\\.)*)'$/.exec(req.url.searchParams.get('q') ?? '');
        if (!q) return { status: 400, body: [{ errorCode: 'MALFORMED_QUERY', message: 'unexpected query' }] };
        return sfQuery(store, q[1], q[2].replace(/\\(.)/g, '$1'), 0);
      },
    },
    {
      method: 'GET',
      path: /^\/services\/data\/v[\d.]+\/query\/([0-9a-f]+)-(\d+)$/,
      answer: (_, [, locator, offset], store) => {
        const [object, email] = Buffer.from(locator, 'hex').toString().split('\n');
        return sfQuery(store, object, email, Number(offset));
      },
    },
  ],
};
