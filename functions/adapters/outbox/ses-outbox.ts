/**
 * Requester notices through Amazon SES (v2). Email only: a contact point on file that is a phone
 * number is reported as undeliverable here (SMS is a connected marketing system's job, not ours).
 */
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { render, type Outbox } from '#core/notifications/outbox.ts';
import { TransientSystemError } from '#core/shared/errors.ts';

export class SesOutbox implements Outbox {
  constructor(
    private readonly ses: SESv2Client,
    private readonly from: string,
  ) {}

  async send(n: Parameters<Outbox['send']>[0]) {
    if (!('email' in n.to)) return;
    const { subject, text } = render(n);
    try {
      await this.ses.send(
        new SendEmailCommand({
          FromEmailAddress: this.from,
          Destination: { ToAddresses: [n.to.email] },
          Content: { Simple: { Subject: { Data: subject }, Body: { Text: { Data: text } } } },
        }),
      );
    } catch (err) {
      // The message names the SDK error only: the address and the text stay out of logs.
      throw new TransientSystemError(`notice not sent (${(err as Error).name})`);
    }
  }
}
