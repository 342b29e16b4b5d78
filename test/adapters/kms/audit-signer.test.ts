/**
 * The audit key's KMS adapter against moto's KMS: an ECC_NIST_P256 SIGN_VERIFY key signs a hash,
 * the public key read back as a JWK checks it offline (what auditors do with GET /v1/audit/keys),
 * and KMS's own Verify agrees. A key of another spec is refused as a configuration error.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CreateKeyCommand, KMSClient, VerifyCommand } from '@aws-sdk/client-kms';
import { KmsAuditSigner } from '#adapters/kms/audit-signer.ts';
import { LocalAuditSigner } from '#adapters/kms/local-audit-signer.ts';
import { signatureHolds } from '#core/audit/signature.ts';
import { freePort } from '#infra/local/process.ts';
import { generateKeyPairSync } from 'node:crypto';

let moto: ChildProcess;
let kms: KMSClient;
const hash = 'a'.repeat(64);

beforeAll(async () => {
  const port = await freePort();
  moto = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const endpoint = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (
      await fetch(`${endpoint}/moto-api/`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    if (i > 600) throw new Error('moto_server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  kms = new KMSClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'test', secretAccessKey: 'test' } });
}, 90_000);
afterAll(() => {
  moto?.kill();
});

describe('KmsAuditSigner (moto)', () => {
  it('signs with the P-256 key; the public JWK alone checks it, and KMS Verify agrees', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }));
    const signer = new KmsAuditSigner(kms, KeyMetadata!.KeyId!);
    const signature = await signer.sign(hash);
    const keys = await signer.publicKeys();
    expect(keys).toEqual([expect.objectContaining({ kty: 'EC', crv: 'P-256', alg: 'ES256', kid: signature.keyId })]);
    expect(signatureHolds(hash, signature, keys)).toBe(true);
    expect(signatureHolds('b'.repeat(64), signature, keys)).toBe(false);
    const verified = await kms.send(
      new VerifyCommand({
        KeyId: KeyMetadata!.KeyId!,
        Message: Buffer.from(hash, 'utf8'),
        MessageType: 'RAW',
        Signature: Buffer.from(signature.value, 'base64'),
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    );
    expect(verified.SignatureValid).toBe(true);
  });

  it('a key that is not ECC P-256 for signing is a configuration error, named', async () => {
    const { KeyMetadata } = await kms.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT' }));
    await expect(new KmsAuditSigner(kms, KeyMetadata!.KeyId!).sign(hash)).rejects.toThrow(/AUDIT_SIGNING_KEY_ID/);
  });
});

describe('LocalAuditSigner', () => {
  it('signs the same way from a PEM key; another key does not check', async () => {
    const pem = () =>
      generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).privateKey.export({
        format: 'pem',
        type: 'pkcs8',
      }) as string;
    const [a, b] = [new LocalAuditSigner(pem()), new LocalAuditSigner(pem())];
    const signature = await a.sign(hash);
    expect(signatureHolds(hash, signature, await a.publicKeys())).toBe(true);
    expect(signatureHolds(hash, signature, await b.publicKeys())).toBe(false);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs8' });
    expect(() => new LocalAuditSigner(rsa as string)).toThrow(/AUDIT_SIGNING_KEY/);
  });
});
