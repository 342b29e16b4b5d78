/**
 * The audit key on a laptop: an ECC P-256 private key from the local secrets file, behind the same
 * port as KMS and signing the same way (ECDSA, SHA-256 over the message, DER), so what the offline
 * verifier checks is the same.
 */
import { createHash, createPrivateKey, createPublicKey, sign } from 'node:crypto';
import type { AuditSignature } from '#core/audit/digest.ts';
import type { AuditPublicKey, AuditSigner } from '#core/audit/ports.ts';
import { jwkOf } from '#core/audit/signature.ts';

export class LocalAuditSigner implements AuditSigner {
  private readonly key;
  private readonly jwk: AuditPublicKey;

  constructor(pkcs8Pem: string) {
    this.key = createPrivateKey(pkcs8Pem);
    const pub = createPublicKey(this.key);
    if (pub.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('invalid configuration: AUDIT_SIGNING_KEY is not an ECC P-256 key');
    const spki = pub.export({ format: 'der', type: 'spki' });
    this.jwk = jwkOf(pub, `local:${createHash('sha256').update(spki).digest('hex').slice(0, 16)}`);
  }

  async publicKeys() {
    return [this.jwk];
  }

  async sign(hash: string): Promise<AuditSignature> {
    return {
      keyId: this.jwk.kid,
      alg: 'ES256',
      value: sign('sha256', Buffer.from(hash, 'utf8'), this.key).toString('base64'),
    };
  }
}
