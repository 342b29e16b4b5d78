/**
 * Locally, `consent.changed` goes to the subscribers' webhooks (`CONSENT_SUBSCRIBERS`, comma-separated
 * URLs, read at each publish), each call signed like a connector call (x-custodian-signature over
 * timestamp, method, path and body), three tries with backoff.
 */
import { requestPathOf, sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import type { ConsentChangePublisher, ConsentChanged } from '#core/consent/changes.ts';

export class WebhookConsentChanges implements ConsentChangePublisher {
  constructor(private readonly secret: string) {}

  async publish(change: ConsentChanged) {
    const urls = (process.env.CONSENT_SUBSCRIBERS ?? '')
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    const body = JSON.stringify(change);
    await Promise.all(urls.map((url) => this.deliver(url, body)));
  }

  /** 2xx: delivered. 5xx, 429 or no answer: tried again, three tries in all. Any other 4xx: refused, not retried. */
  private async deliver(url: string, body: string) {
    for (let attempt = 1; attempt <= 3; attempt++) {
      if (attempt > 1) await new Promise((r) => setTimeout(r, 100 * 2 ** (attempt - 1)));
      const res = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: sign(this.secret, { method: 'POST', path: requestPathOf(url), body }),
        },
        body,
        signal: AbortSignal.timeout(3_000),
      }).catch(() => undefined);
      if (res?.ok) return;
      if (res && res.status < 500 && res.status !== 429) throw new Error(`subscriber refused with ${res.status}`);
    }
    throw new Error('subscriber did not accept consent.changed');
  }
}
