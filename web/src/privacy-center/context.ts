import type { Api } from '../shared/api.ts';
import type { WebConfig } from '../shared/config.ts';
import type { Session } from '../shared/session.ts';
import type { Lang, T } from './i18n.ts';

/** What every view of the privacy center gets. */
export interface CenterContext {
  api: Api;
  config: WebConfig;
  session?: Session;
  t: T;
  lang: Lang;
  locale: string;
}

export const rights = [
  'access',
  'portability',
  'erasure',
  'rectification',
  'restriction',
  'objection',
  'opt_out_sale_sharing',
  'limit_sensitive',
] as const;
export type Right = (typeof rights)[number];

/** An anonymous requester's way back to its requests: for this tab only, never in a URL. */
export interface KnownRequest {
  id: string;
  type: string;
  requesterKey?: string;
}

const KEY = 'custodian.requests';
export function knownRequests(): KnownRequest[] {
  try {
    return JSON.parse(sessionStorage.getItem(KEY) ?? '[]');
  } catch {
    return [];
  }
}
export function rememberRequest(r: KnownRequest): void {
  sessionStorage.setItem(KEY, JSON.stringify([r, ...knownRequests().filter((k) => k.id !== r.id)].slice(0, 20)));
}
export const requesterHeaders = (id: string): Record<string, string> => {
  const key = knownRequests().find((k) => k.id === id)?.requesterKey;
  return key ? { 'x-requester-key': key } : {};
};
