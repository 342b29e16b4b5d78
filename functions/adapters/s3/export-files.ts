/**
 * Audit export parts and manifests in the report bucket (`audit-exports/<id>/`). A part is gzipped
 * and uploaded as it is read (a multipart upload), its SHA-256 taken over the gzip bytes on the way:
 * no Lambda holds a part, whatever its size.
 */
import { createHash } from 'node:crypto';
import { PassThrough, Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ExportFiles } from '#core/audit/ports.ts';

export class S3ExportFiles implements ExportFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async putPart(key: string, lines: AsyncIterable<string>) {
    let count = 0;
    const sha = createHash('sha256');
    const counted = Readable.from(
      (async function* () {
        for await (const line of lines) {
          count++;
          yield line;
        }
      })(),
    );
    const hashing = new Transform({
      transform(chunk: Buffer, _enc, done) {
        sha.update(chunk);
        done(null, chunk);
      },
    });
    const body = new PassThrough();
    const upload = new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/gzip' },
    }).done();
    await Promise.all([pipeline(counted, createGzip(), hashing, body), upload]);
    return { sha256: sha.digest('hex'), lines: count };
  }

  async putManifest(key: string, body: string) {
    await this.s3.send(
      new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }),
    );
  }

  downloadUrl(key: string, seconds: number) {
    const name = key.slice(key.lastIndexOf('/') + 1);
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: `attachment; filename="${name}"`,
      }),
      { expiresIn: seconds },
    );
  }
}
