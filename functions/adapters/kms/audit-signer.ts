/**
 * The audit key in AWS: an asymmetric KMS key (ECC_NIST_P256, SIGN_VERIFY). The private half never
 * leaves KMS (each use is a CloudTrail event); the public half is read once per instance.
 */
import { createPublicKey } from 'node:crypto';
import { GetPublicKeyCommand, SignCommand, type KMSClient } from '@aws-sdk/client-kms';
import type { AuditSignature } from '#core/audit/digest.ts';
import type { AuditPublicKey, AuditSigner } from '#core/audit/ports.ts';
import { jwkOf } from '#core/audit/signature.ts';

export class KmsAuditSigner implements AuditSigner {
  private keys: Promise<AuditPublicKey[]> | undefined;

  constructor(
    private readonly kms: KMSClient,
    private readonly keyId: string,
  ) {}

  /** The key's ARN is its kid: what a signature names and GET /v1/audit/keys lists. */
  publicKeys(): Promise<AuditPublicKey[]> {
    this.keys ??= this.kms.send(new GetPublicKeyCommand({ KeyId: this.keyId })).then((out) => {
      // The curve is read from the key itself: what the signatures will be checked with.
      const key = out.PublicKey && createPublicKey({ key: Buffer.from(out.PublicKey), format: 'der', type: 'spki' });
      if (key?.asymmetricKeyDetails?.namedCurve !== 'prime256v1' || out.KeyUsage !== 'SIGN_VERIFY')
        throw new Error('invalid configuration: AUDIT_SIGNING_KEY_ID is not an ECC_NIST_P256 SIGN_VERIFY key');
      return [jwkOf(key, out.KeyId!)];
    });
    this.keys.catch(() => (this.keys = undefined));
    return this.keys;
  }

  async sign(hash: string): Promise<AuditSignature> {
    const [key] = await this.publicKeys();
    const out = await this.kms.send(
      new SignCommand({
        KeyId: this.keyId,
        Message: Buffer.from(hash, 'utf8'),
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    return { keyId: key.kid, alg: 'ES256', value: Buffer.from(out.Signature!).toString('base64') };
  }
}
