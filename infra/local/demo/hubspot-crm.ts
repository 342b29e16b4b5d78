/**
 * The demo's HubSpot-shaped CRM: a `rest` system on the shipped `hubspot` definition, reached on the
 * stateful HubSpot stand-in (./vendor-api.ts). Every newsletter subscriber of the demo is also a
 * HubSpot contact (id 1000 + n), cross-referenced in the ECIF, so an erasure reaches it through the
 * vendor's GDPR delete and is proven by its 404.
 */
import type { DemoCustomer } from './customers.ts';
import type { SystemBody } from './systems.ts';
import { startVendorApi, type VendorApi } from './vendor-api.ts';

export const HUBSPOT_SYSTEM_ID = 'hubspot-crm';
/** The secret reference of the demo registration: CONNECTOR_SECRET_DEMO_HUBSPOT. */
export const HUBSPOT_SECRET_REF = 'demo_hubspot';
/** The stand-in's private app token (a demo value, like the dev signing secret). */
export const HUBSPOT_DEMO_TOKEN = 'pat-demo-hubspot-private-app';

/** The subscribers, each with a HubSpot contact and its cross-reference. */
export function withHubspot(customers: DemoCustomer[]): DemoCustomer[] {
  return customers.map((c) => {
    if (!c.marketing) return c;
    const crossReferences = [
      ...c.input.crossReferences,
      { systemId: HUBSPOT_SYSTEM_ID, localId: hubspotIdOf(c), source: 'demo-seed' },
    ];
    return { ...c, input: { ...c.input, crossReferences } };
  });
}

export const hubspotIdOf = (c: DemoCustomer) => String(1000 + Number(c.ecifId.slice(1)));

/** The HubSpot contacts of the subscribers, as the stand-in keeps them. */
function contacts(customers: DemoCustomer[]): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    customers.flatMap((c) =>
      c.marketing && c.input.crossReferences.some((x) => x.systemId === HUBSPOT_SYSTEM_ID)
        ? [
            [
              hubspotIdOf(c),
              {
                email: c.marketing.email,
                firstname: c.marketing.firstName,
                lastname: c.marketing.lastName,
                phone: c.marketing.phone,
              },
            ],
          ]
        : [],
    ),
  );
}

export async function startHubspotCrm(customers: DemoCustomer[], port?: number): Promise<VendorApi> {
  // The connector finds the token by reference, as it would its secret in AWS.
  process.env.CONNECTOR_SECRET_DEMO_HUBSPOT = HUBSPOT_DEMO_TOKEN;
  return startVendorApi({
    kind: 'hubspot',
    port,
    secret: HUBSPOT_DEMO_TOKEN,
    records: { contact: contacts(customers) },
  });
}

/** Its registration: the shipped definition, the stand-in's URL, what erasure does (the GDPR delete). */
export function hubspotSystem(baseUrl: string): SystemBody {
  return {
    name: 'Demo HubSpot CRM',
    connector: {
      kind: 'rest',
      definition: 'hubspot',
      baseUrl,
      settings: { subscriptionId: '12345' },
      secretRef: HUBSPOT_SECRET_REF,
    },
    capabilities: ['erase', 'verify', 'access', 'rectify', 'opt_out'],
    fields: [
      { name: 'firstname', category: 'identity', strategy: 'redact' },
      { name: 'lastname', category: 'identity', strategy: 'redact' },
      { name: 'email', category: 'contact', strategy: 'hash' },
      { name: 'phone', category: 'contact', strategy: 'mask' },
    ],
    recipient: true,
    concurrency: 4,
  };
}
