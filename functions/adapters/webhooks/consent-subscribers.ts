/**
 * Locally, `consent.changed` goes to the subscribers' webhooks (`CONSENT_SUBSCRIBERS`, comma-separated
 * URLs, read at each publish), each call signed like a connector call (x-custodian-signature over
 * timestamp and body), three tries with backoff.
 */
import { sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import type { ConsentChangePublisher, ConsentChanged } from '#core/consent/changes.ts';

export class WebhookConsentChanges implements ConsentChangePublisher {
  constructor(private readonly secret: string) {}

  async publish(change: ConsentChanged) {
    const urls = (process.env.CONSENT_SUBSCRIBERS ?? '').split(',').map((u) => u.trim()).filter(Boolean);
    const body = JSON.stringify(change);
    await Promise.all(urls.map((url) => this.deliver(url, body)));
  }

  private async deliver(url: string, body: string) {
    for (let attempt = 1; ; attempt++) {
      try {
        const res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(this.secret, body) },
          body,
          signal: AbortSignal.timeout(3_000),
        });
        if (res.ok) return;
        if (res.status < 500 && res.status !== 429) throw new Error(`subscriber refused with ${res.status}`);
      } catch (err) {
        if (attempt >= 3 || /refused with/.test((err as Error).message)) throw err;
      }
      if (attempt >= 3) throw new Error('subscriber did not accept consent.changed');
      await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
    }
  }
}
