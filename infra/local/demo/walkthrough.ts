/**
 * The copy-paste walkthrough `npm start` prints: curl commands (bash/zsh) against the running API
 * and the demo CRM, each body valid for its route's schema.
 */
import { HUBSPOT_SYSTEM_ID } from './hubspot-crm.ts';
import type { CaptureInput, DecisionInput } from '#core/consent/consent.ts';
import type { RequestInput } from '#core/requests/request.ts';
import { CRM_SYSTEM_ID, type DemoCustomer } from './customers.ts';

export interface WalkthroughOptions {
  apiUrl: string;
  /** The demo CRM's base URL or webhook URL (the path is dropped). */
  crmUrl: string;
  /** Dev token per role: exported as $CUSTOMER, $CRM, $OPERATOR, ... */
  tokens: Record<string, string>;
  /** The demo customer the customer token names (C000001): consent capture and decision. */
  customer: DemoCustomer;
  /** Whose erasure the walkthrough submits (C000002 by default), so the customer token keeps working. */
  erasureSubject: DemoCustomer;
  /** The demo warehouse, when it runs: its row is shown before and after. */
  warehouse?: { url: string; table: string };
  /** The demo marketing platform (async), when it runs: its profile is shown before and after. */
  marketingUrl?: string;
  /** The HubSpot-shaped CRM (a `rest` system), when it runs: its contact is shown before and after. */
  hubspot?: { url: string; token: string };
}

/** A shell word in single quotes. */
const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const tokenVar = (role: string) => role.toUpperCase().replace(/[^A-Z0-9]/g, '_');

export function consentCaptureBody(): CaptureInput {
  return {
    choices: [{ purpose: 'marketing', channel: 'email', state: 'granted' }],
    lawfulBasis: 'consent',
    jurisdiction: 'GDPR',
    notice: { id: 'marketing-email', version: '1' },
    method: 'web',
  };
}

export function consentDecisionBody(ecifId: string): DecisionInput {
  return { ecifId, purpose: 'marketing', channel: 'email' };
}

export function erasureRequestBody(email: string): Pick<RequestInput, 'type' | 'jurisdiction' | 'identifiers'> {
  return { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email } };
}

export function accessRequestBody(email: string): Pick<RequestInput, 'type' | 'jurisdiction' | 'identifiers'> {
  return { type: 'access', jurisdiction: 'GDPR', identifiers: { email } };
}

export function walkthrough(opts: WalkthroughOptions): string {
  const api = opts.apiUrl.replace(/\/+$/, '');
  const crm = new URL(opts.crmUrl).origin;
  const contactOf = (c: DemoCustomer) => c.input.crossReferences.find((x) => x.systemId === CRM_SYSTEM_ID)?.localId;
  const demoContact = contactOf(opts.customer);
  const subjectContact = contactOf(opts.erasureSubject);
  const email = opts.erasureSubject.input.emails[0];
  if (!email) throw new Error(`walkthrough: ${opts.erasureSubject.ecifId} has no email`);
  const json = `-H 'content-type: application/json'`;
  const auth = (role: string) => `-H "Authorization: Bearer $${tokenVar(role)}"`;
  const body = (b: unknown) => `-d ${sq(JSON.stringify(b))}`;
  const exports = Object.entries(opts.tokens).map(([role, t]) => `export ${tokenVar(role)}=${sq(t)}`);
  const warehouseKey = opts.warehouse && opts.erasureSubject.warehouse?.customer_key;
  const marketing = opts.marketingUrl && new URL(opts.marketingUrl).origin;
  const marketingProfile = marketing && opts.erasureSubject.marketing?.contactId;
  const hubspotContact =
    opts.hubspot && opts.erasureSubject.input.crossReferences.find((x) => x.systemId === HUBSPOT_SYSTEM_ID)?.localId;
  const hubspotGet = `curl -s -H "Authorization: Bearer $HS_TOKEN" "$HS_URL/crm/v3/objects/contacts/${hubspotContact}?properties=email,firstname,lastname"`;
  // Polls (up to 30 s) until the request has left received/in_progress, then prints it.
  const settled = (id: string, role: string) =>
    `for i in $(seq 60); do R=$(curl -s $API/v1/privacy-requests/${id} ${auth(role)}); case "$R" in *'"status":"received"'*|*'"status":"in_progress"'*) sleep 0.5;; *) break;; esac; done; echo "$R"`;
  // DW_URL, not WAREHOUSE_URL: that one would point the next `npm start` at this run's embedded warehouse.
  const warehouseRow = `npm run --silent warehouse -- --url "$DW_URL" --table ${sq(opts.warehouse?.table ?? '')} ${warehouseKey}`;

  const lines = [
    'Walkthrough (bash/zsh; paste step by step):',
    '',
    `  export API=${sq(api)} CRM_URL=${sq(crm)}${marketing ? ` MKT_URL=${sq(marketing)}` : ''}${opts.warehouse ? ` DW_URL=${sq(opts.warehouse.url)}` : ''}${opts.hubspot ? ` HS_URL=${sq(opts.hubspot.url)} HS_TOKEN=${sq(opts.hubspot.token)}` : ''}`,
    ...exports.map((l) => `  ${l}`),
    '',
    '  # 1. Health: the version and each dependency',
    `  curl -s $API/health`,
    '',
    ...(demoContact
      ? [
          `  # 2. The demo customer ${opts.customer.ecifId} as the CRM holds it (the CRM's own store)`,
          `  curl -s $CRM_URL/contacts/${demoContact}`,
          '',
        ]
      : []),
    `  # 3. ${opts.customer.ecifId} grants email marketing (the customer token names ${opts.customer.ecifId})`,
    `  curl -s -X POST $API/v1/consents ${auth('customer')} ${json} \\`,
    `    ${body(consentCaptureBody())}`,
    '',
    `  # 4. The CRM asks: may it email ${opts.customer.ecifId} about marketing?`,
    `  curl -s -X POST $API/v1/consent-decisions ${auth('crm')} ${json} \\`,
    `    ${body(consentDecisionBody(opts.customer.ecifId))}`,
    '',
    ...(subjectContact
      ? [
          `  # 5. ${opts.erasureSubject.ecifId} in the CRM before erasure`,
          `  curl -s $CRM_URL/contacts/${subjectContact}`,
          '',
        ]
      : []),
    ...(warehouseKey ? [`  # 5b. ... and in the data warehouse (PostgreSQL)`, `  ${warehouseRow}`, ''] : []),
    ...(marketingProfile
      ? [
          `  # 5c. ... and on the marketing platform (an async system: it answers by callback)`,
          `  curl -s $MKT_URL/contacts/${marketingProfile}`,
          '',
        ]
      : []),
    ...(hubspotContact
      ? [
          `  # 5d. ... and in the HubSpot-shaped CRM (a rest system: HubSpot's own API, no adapter)`,
          `  ${hubspotGet}`,
          '',
        ]
      : []),
    `  # 6. Anyone submits an erasure for ${opts.erasureSubject.ecifId}, by email: 202, waiting for a code (keeps the id)`,
    `  REQ=$(curl -s -X POST $API/v1/privacy-requests ${json} \\`,
    `    ${body(erasureRequestBody(email))} \\`,
    `    | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo $REQ`,
    '',
    `  # 7. The code went to the email on file in the ECIF (locally: the dev mailbox, also at $API/dev/mailbox)`,
    `  CODE=$(curl -s "$API/dev/mailbox.json?to=${encodeURIComponent(email)}" \\`,
    `    | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).items.find((m) => m.requestId === process.argv[1]).text.match(/\\d{6}/)[0]' $REQ); echo $CODE`,
    `  curl -s -X POST $API/v1/privacy-requests/$REQ/verification ${json} -d "{\\"code\\":\\"$CODE\\"}"`,
    '',
    '  # 8. Its status and per-system outcome (completed within seconds; the marketing platform calls back)',
    `  ${settled('$REQ', 'operator')}`,
    '',
    ...(subjectContact
      ? [
          `  # 9. The CRM contact now: erased per the CRM's field strategies`,
          `  curl -s $CRM_URL/contacts/${subjectContact}`,
          '',
        ]
      : []),
    ...(hubspotContact
      ? [
          `  # 9d. The HubSpot contact now: gone, by HubSpot's GDPR delete (proven by the same read: 404)`,
          `  ${hubspotGet}`,
          '',
        ]
      : []),
    ...(marketingProfile
      ? [
          `  # 9c. The marketing profile now: erased when its callback came`,
          `  curl -s $MKT_URL/contacts/${marketingProfile}`,
          '',
        ]
      : []),
    ...(warehouseKey
      ? [
          `  # 9b. The warehouse row now: name redacted, email hashed, phone masked, postcode and birth date generalized`,
          `  ${warehouseRow}`,
          '',
        ]
      : []),
    `  # 10. ${opts.customer.ecifId}, signed in, asks what is held (access: verified by the login), then downloads the report`,
    `  ACC=$(curl -s -X POST $API/v1/privacy-requests ${auth('customer')} ${json} \\`,
    `    ${body(accessRequestBody(opts.customer.input.emails[0] ?? email))} \\`,
    `    | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).id'); echo $ACC`,
    `  ${settled('$ACC', 'customer')} > /dev/null`,
    `  curl -s "$(curl -s "$API/v1/privacy-requests/$ACC/report?format=csv" ${auth('customer')} \\`,
    `    | node -pe 'JSON.parse(require("fs").readFileSync(0, "utf8")).url')"`,
    '',
    "  # 11. The operators' queue: open requests, earliest deadline first (add &overdue=true, &status=..., &type=...)",
    `  curl -s "$API/v1/privacy-requests?status=completed" ${auth('operator')}`,
    '',
    '  # 12. The registered systems and their field strategies',
    `  curl -s $API/v1/systems ${auth('operator')}`,
    '',
    `  # 13. An auditor: the request's trail, then every chain of the last hour verified`,
    `  curl -s "$API/v1/audit/events?from=$(node -pe 'new Date(Date.now()-3600e3).toISOString()')&requestId=$REQ" ${auth('auditor')}`,
    `  curl -s "$API/v1/audit/verify?from=$(node -pe 'new Date(Date.now()-3600e3).toISOString()')" ${auth('auditor')}`,
    '',
    `  # 14. ${opts.customer.ecifId}'s consents now, with the evidence of each (add &asOf=<RFC 3339> for another instant)`,
    `  curl -s "$API/v1/subjects/${opts.customer.ecifId}/consents?asOf=$(node -pe 'new Date().toISOString()')" ${auth('auditor')}`,
    '',
  ];
  return lines.join('\n');
}
