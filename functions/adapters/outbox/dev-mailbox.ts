/**
 * The local stand-in for SES: notices land in a mailbox the local runtime serves at `/dev/mailbox`
 * (a page) and `/dev/mailbox.json`, so a person and a test can read a code. Never used in AWS.
 */
import { render, type Notification, type Outbox } from '#core/notifications/outbox.ts';

export interface MailboxMessage {
  id: number;
  at: string;
  requestId: string;
  to: string;
  kind: Notification['notice']['kind'];
  subject: string;
  text: string;
}

// On globalThis: the gateway and the handlers it loads share one process, not always one module instance.
const box = ((globalThis as { __custodianMailbox?: MailboxMessage[] }).__custodianMailbox ??= []);

export const devMailbox: Outbox = {
  async send(n) {
    const { subject, text } = render(n);
    const to = 'email' in n.to ? n.to.email : n.to.phone;
    box.push({
      id: box.length + 1,
      at: new Date().toISOString(),
      requestId: n.requestId,
      to,
      kind: n.notice.kind,
      subject,
      text,
    });
  },
};

/** Newest first; `to` filters by recipient (case-insensitive). */
export function mailboxMessages(to?: string): MailboxMessage[] {
  const wanted = to?.trim().toLowerCase();
  return [...box].reverse().filter((m) => !wanted || m.to.toLowerCase() === wanted);
}
