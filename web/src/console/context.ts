import type { Api } from '../shared/api.ts';
import type { Session } from '../shared/session.ts';

/** What every console view gets: the API and the signed-in operator or auditor. */
export interface ConsoleContext {
  api: Api;
  apiUrl: string;
  /** Where the streamed audit export is served (a REST API beside the HTTP API in AWS). */
  exportApiUrl: string;
  session: Session;
  locale: string;
}

export const statuses = [
  'pending_verification',
  'received',
  'in_progress',
  'needs_attention',
  'completed',
  'partially_completed',
  'denied',
  'unverified',
  'cancelled',
] as const;
export const terminal = ['completed', 'partially_completed', 'denied', 'unverified', 'cancelled'];
export const requestTypes = [
  'access',
  'portability',
  'erasure',
  'rectification',
  'restriction',
  'objection',
  'opt_out_sale_sharing',
  'limit_sensitive',
] as const;
export const denialReasons = [
  'manifestly_unfounded',
  'excessive',
  'identity_not_verified',
  'legal_obligation_to_retain',
  'rights_of_others',
  'legal_claims',
  'not_a_consumer',
] as const;
/** Open requests due within this many days are due soon (the sweeper's DUE_SOON_DAYS default). */
export const DUE_SOON_DAYS = 7;

export const words = (s: string) => s.replaceAll('_', ' ');
export const effectiveDue = (r: { dueAt: string; extension?: { extendedDueAt: string } }) =>
  r.extension?.extendedDueAt ?? r.dueAt;

/** How pressing an open request is: from its deadline now, or from what the sweeper marked. */
export function urgency(
  r: { status: string; dueAt: string; extension?: { extendedDueAt: string }; attention?: string },
  now = Date.now(),
): 'overdue' | 'due-soon' | undefined {
  if (terminal.includes(r.status)) return undefined;
  const due = Date.parse(effectiveDue(r));
  if (due < now || r.attention === 'overdue') return 'overdue';
  if (due - now <= DUE_SOON_DAYS * 86_400_000 || r.attention === 'due_soon') return 'due-soon';
  return undefined;
}

/** A `datetime-local` value (the reader's time) as an RFC 3339 instant. */
export const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);
/** An instant as a `datetime-local` value in the reader's time. */
export function localInput(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}
