/**
 * The route table: one row per HTTP route. It drives the CDK APIs (one Lambda per row, its IAM
 * grants; `stream` rows on the streaming REST API, the others on the HTTP API), the local gateway,
 * and the role check in the middleware chain.
 * `handler` is the file name under functions/handlers/http/ (without .ts); it exports `handler`.
 */
export const roles = ['customer', 'crm', 'auditor', 'operator', 'steward'] as const;
export type Role = (typeof roles)[number];
/** Roles a machine may hold through a client-credentials token, as its OAuth scope `custodian/<role>`. */
export const machineRoles = ['crm', 'steward'] as const satisfies readonly Role[];

export type TableName = 'ecif' | 'consent' | 'requests' | 'audit';
export type Access = 'read' | 'write';

export interface RouteSpec {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: string;
  /** `public`: no JWT (health, openapi, anonymous submissions); `hmac`: signed callbacks. */
  auth: 'jwt' | 'public' | 'hmac';
  /** Roles allowed when a JWT is presented. A public route may still read the caller's role when a token is sent. */
  roles: readonly Role[];
  /** DynamoDB tables and the access the function needs: the IAM grants come from here. */
  tables: Partial<Record<TableName, Access>>;
  /** Needs states:StartExecution on the privacy-request workflow. */
  startsWorkflow?: boolean;
  /** Starts audit verification and export jobs (their own state machine). */
  startsAuditVerification?: boolean;
  /** The audit key: `sign` or `read` (its public half). */
  auditKey?: 'sign' | 'read';
  /** Needs the report bucket. */
  reports?: Access;
  /** Sends requester notices (SES in AWS). */
  notifies?: boolean;
  /** Publishes `consent.changed` (EventBridge in AWS). */
  publishesConsentChanges?: boolean;
  /**
   * A write: honours Idempotency-Key (the same key and request answer the first answer, another
   * request a 422), keyed per caller; its function may use the idempotency table.
   */
  idempotent?: boolean;
  /** A larger body limit than the default 256 KiB (a campaign list). */
  maxBodyBytes?: number;
  /** Reaches connected systems (their signing secret, read-backs). */
  connectors?: boolean;
  /** Issues systems their signing keys (Secrets Manager under the connectors prefix in AWS). */
  issuesSystemKeys?: boolean;
  /** Starts the ECIF load state machine. */
  startsLoad?: boolean;
  /** Answers the workflow's waiting steps (states:SendTask*). */
  answersTasks?: boolean;
  /**
   * The body is streamed as it is produced, however large (the handler is an `httpStreamRoute`). In AWS
   * only REST APIs stream: such rows are served by a small REST API beside the HTTP API (Lambda
   * response streaming); the local gateway writes them chunk by chunk the same way.
   */
  stream?: boolean;
}

export const routeTable = [
  { method: 'GET', path: '/health', handler: 'health', auth: 'public', roles: [], tables: { ecif: 'read' } },
  { method: 'GET', path: '/openapi.json', handler: 'openapi', auth: 'public', roles: [], tables: {} },
  {
    method: 'PUT',
    path: '/v1/ecif/customers/{ecifId}',
    handler: 'put-ecif-customer',
    idempotent: true,
    auth: 'jwt',
    roles: ['steward'],
    tables: { ecif: 'write', audit: 'write' },
  },
  {
    method: 'GET',
    path: '/v1/ecif/customers/{ecifId}',
    handler: 'get-ecif-customer',
    auth: 'jwt',
    roles: ['steward', 'operator'],
    tables: { ecif: 'read', audit: 'write' },
  },
  {
    method: 'POST',
    path: '/v1/ecif/resolve',
    handler: 'resolve-ecif-customer',
    auth: 'jwt',
    roles: ['steward', 'operator'],
    tables: { ecif: 'read', audit: 'write' },
  },
  {
    method: 'POST',
    // A split is the same route (`action: "split"`): the stateless stack is at CloudFormation's 500 resources.
    path: '/v1/ecif/merges',
    handler: 'post-ecif-merge',
    auth: 'jwt',
    roles: ['steward'],
    idempotent: true,
    tables: { ecif: 'write', requests: 'write', audit: 'write' },
  },
  {
    method: 'POST',
    path: '/v1/ecif/imports',
    handler: 'create-ecif-import',
    auth: 'jwt',
    roles: ['steward'],
    idempotent: true,
    tables: { ecif: 'write', audit: 'write' },
    reports: 'write',
  },
  {
    method: 'POST',
    path: '/v1/ecif/imports/{id}/start',
    handler: 'start-ecif-import',
    auth: 'jwt',
    roles: ['steward'],
    idempotent: true,
    tables: { ecif: 'write', audit: 'write' },
    reports: 'read',
    startsLoad: true,
  },
  {
    method: 'GET',
    path: '/v1/ecif/imports/{id}',
    handler: 'get-ecif-import',
    auth: 'jwt',
    roles: ['steward', 'operator'],
    tables: { ecif: 'read' },
    reports: 'read',
  },
  {
    method: 'PUT',
    path: '/v1/systems/{systemId}',
    handler: 'put-system',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'write', audit: 'write' },
    issuesSystemKeys: true,
  },
  {
    method: 'POST',
    path: '/v1/systems/{systemId}/signing-key',
    handler: 'rotate-system-key',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'read', audit: 'write' },
    issuesSystemKeys: true,
  },
  {
    method: 'GET',
    path: '/v1/systems',
    handler: 'list-systems',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { ecif: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/connector-definitions',
    handler: 'list-connector-definitions',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: {},
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests',
    handler: 'submit-privacy-request',
    idempotent: true,
    auth: 'public',
    roles: ['customer', 'operator'],
    tables: { ecif: 'read', consent: 'write', requests: 'write', audit: 'write' },
    startsWorkflow: true,
    notifies: true,
  },
  {
    method: 'GET',
    path: '/v1/privacy-requests',
    handler: 'list-privacy-requests',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { requests: 'read' },
  },
  // Public: an anonymous requester follows its request with the key it was given (x-requester-key).
  {
    method: 'GET',
    path: '/v1/privacy-requests/{id}',
    handler: 'get-privacy-request',
    auth: 'public',
    roles: ['customer', 'operator', 'auditor'],
    tables: { requests: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/privacy-requests/{id}/report',
    handler: 'get-privacy-request-report',
    auth: 'public',
    roles: ['customer'],
    tables: { requests: 'read', audit: 'write' },
    reports: 'read',
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/verification',
    handler: 'verify-privacy-request',
    idempotent: true,
    auth: 'public',
    roles: [],
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    startsWorkflow: true,
    notifies: true,
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/cancel',
    handler: 'cancel-privacy-request',
    idempotent: true,
    auth: 'public',
    roles: ['customer', 'operator'],
    tables: { requests: 'write', audit: 'write' },
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/extend',
    handler: 'extend-privacy-request',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    notifies: true,
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/deny',
    handler: 'deny-privacy-request',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    notifies: true,
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/retry',
    handler: 'retry-privacy-request',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { requests: 'write', audit: 'write' },
    startsWorkflow: true,
  },
  // An async system's answer: signed with its key (HMAC over timestamp, method, path and body), no JWT.
  {
    method: 'POST',
    path: '/v1/callbacks/{requestId}/{systemId}',
    handler: 'system-callback',
    idempotent: true,
    auth: 'hmac',
    roles: [],
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    reports: 'write',
    connectors: true,
    answersTasks: true,
  },
  {
    method: 'POST',
    path: '/v1/privacy-requests/{id}/systems/{systemId}/complete',
    handler: 'complete-manual-task',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'read', requests: 'write', audit: 'write' },
    answersTasks: true,
  },
  {
    method: 'POST',
    path: '/v1/consents',
    handler: 'capture-consent',
    idempotent: true,
    auth: 'jwt',
    roles: ['customer', 'crm', 'operator'],
    tables: { ecif: 'read', consent: 'write', requests: 'write', audit: 'write' },
    startsWorkflow: true,
    publishesConsentChanges: true,
  },
  {
    method: 'GET',
    path: '/v1/subjects/{ecifId}/consents',
    handler: 'get-subject-consents',
    auth: 'jwt',
    roles: ['customer', 'crm', 'auditor'],
    tables: { consent: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/subjects/{ecifId}/consents/history',
    handler: 'get-consent-history',
    auth: 'jwt',
    roles: ['customer', 'crm', 'auditor'],
    tables: { consent: 'read' },
  },
  {
    method: 'POST',
    path: '/v1/consent-decisions',
    handler: 'decide-consent',
    auth: 'jwt',
    roles: ['crm'],
    tables: { ecif: 'read', consent: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/consents/receipts/{receiptId}',
    handler: 'get-consent-receipt',
    auth: 'jwt',
    roles: ['customer', 'crm', 'operator', 'auditor'],
    tables: { consent: 'read' },
  },
  {
    method: 'POST',
    path: '/v1/consent-decisions/batch',
    handler: 'decide-consent-batch',
    auth: 'jwt',
    roles: ['crm'],
    tables: { ecif: 'read', consent: 'read' },
    maxBodyBytes: 1024 * 1024,
  },
  // Public: the keys that check decision tokens, and the catalog a privacy center shows.
  {
    method: 'GET',
    path: '/v1/consent-decisions/keys',
    handler: 'decision-keys',
    auth: 'public',
    roles: [],
    tables: {},
  },
  { method: 'GET', path: '/v1/consent/catalog', handler: 'consent-catalog', auth: 'public', roles: [], tables: {} },
  // Legal holds: while one is on, an erasure destroys nothing (GDPR Art. 17(3)(e)); releasing it runs the erasures held.
  {
    method: 'PUT',
    path: '/v1/subjects/{ecifId}/legal-hold',
    handler: 'put-legal-hold',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'write', audit: 'write' },
  },
  {
    method: 'GET',
    path: '/v1/subjects/{ecifId}/legal-hold',
    handler: 'get-legal-hold',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { ecif: 'read' },
  },
  {
    method: 'DELETE',
    path: '/v1/subjects/{ecifId}/legal-hold',
    handler: 'release-legal-hold',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator'],
    tables: { ecif: 'write', requests: 'write', audit: 'write' },
    startsWorkflow: true,
  },
  // Regulators' figures and the DPO's dashboard: computed from stored requests through indexes.
  {
    method: 'GET',
    path: '/v1/reports/ccpa-metrics',
    handler: 'ccpa-metrics',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { requests: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/reports/ropa',
    handler: 'ropa',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { ecif: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/metrics',
    handler: 'dashboard-metrics',
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { requests: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/audit/events',
    handler: 'audit-events',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/audit/verify',
    handler: 'audit-verify',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'read' },
  },
  {
    method: 'GET',
    path: '/v1/audit/export',
    handler: 'audit-export',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'read' },
    stream: true,
  },
  {
    method: 'POST',
    path: '/v1/audit/digests',
    handler: 'audit-digest',
    idempotent: true,
    auth: 'jwt',
    roles: ['operator', 'auditor'],
    tables: { audit: 'write' },
    auditKey: 'sign',
  },
  // Verification of a range as a job (Step Functions): started at once, followed by its id.
  {
    method: 'POST',
    path: '/v1/audit/verifications',
    handler: 'start-audit-verification',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'write' },
    startsAuditVerification: true,
    idempotent: true,
  },
  {
    method: 'GET',
    path: '/v1/audit/verifications/{id}',
    handler: 'get-audit-verification',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'read' },
    // An export job is followed here too (its links are presigned GETs of the report bucket): the
    // stateless stack is at CloudFormation's 500 resources, so no function of its own.
    reports: 'read',
  },
  // Exports as a job: parts and a signed manifest in the report bucket; followed at GET /v1/audit/verifications/{id}.
  {
    method: 'POST',
    path: '/v1/audit/exports',
    handler: 'start-audit-export',
    auth: 'jwt',
    roles: ['auditor'],
    tables: { audit: 'write' },
    startsAuditVerification: true,
    idempotent: true,
  },
  // Public: the keys that check digests, results and manifests offline (npm run audit:verify).
  {
    method: 'GET',
    path: '/v1/audit/keys',
    handler: 'audit-keys',
    auth: 'public',
    roles: [],
    tables: {},
    auditKey: 'read',
  },
] as const satisfies readonly RouteSpec[];

export type RouteId = (typeof routeTable)[number]['handler'];
