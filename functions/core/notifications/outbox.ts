/**
 * The requester notices a request sends: the one-time code, the acknowledgement, an extension, a
 * refusal, the answer. Always to a contact point already on file in the ECIF, never to an address only
 * the requester typed. The Outbox port delivers (SES in AWS, the dev mailbox locally).
 */
import type { GoldenRecord } from '../ecif/customer.ts';

export type ContactPoint = { email: string } | { phone: string };

export type Notice =
  | { kind: 'verification_code'; code: string; minutes: number }
  | { kind: 'acknowledged'; type: string; dueAt: string }
  | { kind: 'extended'; extendedDueAt: string; reason: string }
  | { kind: 'denied'; reason: string; detail: string; complaint: string }
  /** `retained`: per system, what is kept under which basis until when (GDPR Art. 17(3), Art. 12(4)). */
  | { kind: 'completed'; type: string; result: string; retained?: string[] };

export interface Notification {
  requestId: string;
  to: ContactPoint;
  notice: Notice;
}

export interface Outbox {
  send(notification: Notification): Promise<void>;
}

/** The first email on file, else the first phone: undefined when the record has neither. */
export function contactOnFile(record: GoldenRecord | undefined): ContactPoint | undefined {
  if (!record || record.status === 'erased') return undefined;
  if (record.emails?.[0]) return { email: record.emails[0] };
  if (record.phones?.[0]) return { phone: record.phones[0] };
  return undefined;
}

/** Where to complain (Art. 12(4), 77; Cal. Civ. Code §1798.199.10): told with every refusal. */
export const complaintRights: Record<'GDPR' | 'CCPA', string> = {
  GDPR: 'You may lodge a complaint with a supervisory authority (GDPR Art. 77) and seek a judicial remedy (Art. 79).',
  CCPA: 'You may file a complaint with the California Privacy Protection Agency (cppa.ca.gov) or the California Attorney General.',
};

/** Subject and text of a notice, in plain words. The text may hold the code: it is never logged. */
export function render(n: Notification): { subject: string; text: string } {
  const ref = `Reference: ${n.requestId}`;
  switch (n.notice.kind) {
    case 'verification_code':
      return {
        subject: 'Your verification code',
        text: `Your code is ${n.notice.code}. It expires in ${n.notice.minutes} minutes. If you did not ask for it, ignore this message.\n${ref}`,
      };
    case 'acknowledged':
      return {
        subject: 'We received your privacy request',
        text: `We received your ${n.notice.type.replace(/_/g, ' ')} request and will answer by ${n.notice.dueAt.slice(0, 10)}.\n${ref}`,
      };
    case 'extended':
      return {
        subject: 'We need more time for your privacy request',
        text: `We extended the time to answer until ${n.notice.extendedDueAt.slice(0, 10)}. Reason: ${n.notice.reason}\n${ref}`,
      };
    case 'denied':
      return {
        subject: 'We cannot act on your privacy request',
        text: `Reason: ${n.notice.reason.replace(/_/g, ' ')}. ${n.notice.detail}\n${n.notice.complaint}\n${ref}`,
      };
    case 'completed':
      return {
        subject: 'Your privacy request is complete',
        text: `Your ${n.notice.type.replace(/_/g, ' ')} request is complete (${n.notice.result.replace(/_/g, ' ')}).\n${
          n.notice.retained?.length
            ? `Some records are kept because the law requires it:\n${n.notice.retained.map((r) => `- ${r}`).join('\n')}\n`
            : ''
        }${ref}`,
      };
  }
}
