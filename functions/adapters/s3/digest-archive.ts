/** The daily digests, copied to the write-once bucket (Object Lock in AWS; s3rver locally, without the lock). */
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { AuditDigest } from '#core/audit/digest.ts';
import type { DigestArchive } from '#core/audit/ports.ts';

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
}
