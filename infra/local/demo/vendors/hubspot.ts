/** HubSpot's CRM and subscription APIs as the `hubspot` definition uses them (test/fixtures/vendor-apis/hubspot.json). */
import { body, picked, type Row, rows, type VendorShape } from './shape.ts';

// HubSpot: contacts with their properties, the GDPR delete, and subscription statuses per email.
const hsMissing = { status: 'error', message: 'resource not found', category: 'OBJECT_NOT_FOUND' };
const hsRow = /^\/crm\/v3\/objects\/contacts\/(\d+)$/;
const contactOf = (id: string, row: Row, props: string | null) => ({
  id,
  properties: picked(row, props, []),
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  archived: false,
});
/** The subscription types a portal has; an email is subscribed to each until it unsubscribes. */
const SUBSCRIPTION_TYPES = ['12345', '67890'];
export const hubspot: VendorShape = {
  auth: 'bearer',
  unauthorized: {
    status: 'error',
    message: 'Authentication credentials not found.',
    category: 'INVALID_AUTHENTICATION',
  },
  notFound: hsMissing,
  routes: [
    {
      method: 'GET',
      path: hsRow,
      answer: (req, [, id], store) => {
        const row = rows(store, 'contact').get(id);
        return row
          ? { status: 200, body: contactOf(id, row, req.url.searchParams.get('properties')) }
          : { status: 404, body: hsMissing };
      },
    },
    {
      method: 'PATCH',
      path: hsRow,
      answer: (req, [, id], store) => {
        const row = rows(store, 'contact').get(id);
        if (!row) return { status: 404, body: hsMissing };
        Object.assign(row, (body(req).properties ?? {}) as Row);
        return { status: 200, body: contactOf(id, row, null) };
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/v3\/objects\/contacts\/search$/,
      answer: (req, _, store) => {
        const groups = (body(req).filterGroups ?? []) as { filters: { propertyName: string; value: string }[] }[];
        const email = groups[0]?.filters.find((f) => f.propertyName === 'email')?.value?.toLowerCase();
        const results = [...rows(store, 'contact')]
          .filter(([, r]) => String(r.email).toLowerCase() === email)
          .map(([id, r]) => contactOf(id, r, 'email'));
        return { status: 200, body: { total: results.length, results } };
      },
    },
    {
      method: 'POST',
      path: /^\/crm\/v3\/objects\/contacts\/gdpr-delete$/,
      answer: (req, _, store) =>
        rows(store, 'contact').delete(String(body(req).objectId)) ? { status: 204 } : { status: 404, body: hsMissing },
    },
    {
      method: 'POST',
      path: /^\/communication-preferences\/v3\/unsubscribe$/,
      answer: (req, _, store) => {
        const { emailAddress, subscriptionId } = body(req) as { emailAddress: string; subscriptionId: string };
        if (!SUBSCRIPTION_TYPES.includes(subscriptionId))
          return { status: 400, body: { status: 'error', message: 'unknown subscription' } };
        const key = `${String(emailAddress).toLowerCase()}|${subscriptionId}`;
        rows(store, 'unsubscribed').set(key, { at: new Date().toISOString() });
        return { status: 200, body: status(subscriptionId, 'NOT_SUBSCRIBED') };
      },
    },
    {
      method: 'GET',
      path: /^\/communication-preferences\/v3\/status\/email\/([^/]+)$/,
      answer: (_, [, email], store) => {
        const address = decodeURIComponent(email).toLowerCase();
        const statuses = SUBSCRIPTION_TYPES.map((id) =>
          status(id, rows(store, 'unsubscribed').has(`${address}|${id}`) ? 'NOT_SUBSCRIBED' : 'SUBSCRIBED'),
        );
        return { status: 200, body: { recipient: address, subscriptionStatuses: statuses } };
      },
    },
  ],
};
function status(id: string, state: string) {
  return {
    id,
    name: `Type ${id}`,
    description: 'Marketing email',
    status: state,
    sourceOfStatus: 'SUBSCRIPTION_STATUS',
  };
}
