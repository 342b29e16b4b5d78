/**
 * The daily digests, copied to the write-once bucket (Object Lock in AWS; s3rver locally, without the
 * lock), and beside them the public keys that check them (`keys/<kid>.json`, one JWK each).
 */
import { HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AuditDigest } from '#core/audit/digest.ts';
import type { AuditPublicKey, DigestArchive } from '#core/audit/ports.ts';

export class S3DigestArchive implements DigestArchive {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async put(digest: AuditDigest): Promise<void> {
    await this.s3.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `digests/${digest.day}.json`,
        Body: JSON.stringify(digest),
        ContentType: 'application/json',
        // Required by S3 for a put into an Object Lock bucket.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async putKeys(keys: AuditPublicKey[]): Promise<void> {
    for (const key of keys) {
      // The kid is a KMS key ARN in AWS: encoded, it is one path segment.
      const Key = `keys/${encodeURIComponent(key.kid)}.json`;
      // Once per key: each day's put would leave another locked version of the same bytes.
      if (await this.exists(Key)) continue;
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key,
          Body: JSON.stringify(key),
          ContentType: 'application/jwk+json',
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    }
  }

  private async exists(Key: string): Promise<boolean> {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return false;
      throw err;
    }
  }
}
