/**
 * Load files in the report bucket's import prefix: the steward's upload (a presigned PUT), the staged
 * JSONL the job's Distributed Map reads, the reject file (a presigned GET). Staging streams: the source
 * is read line by line (gunzipped on the way when it is .gz) and written as a multipart upload, so no
 * Lambda holds the file, whatever its size.
 */
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { LoadReject } from '#core/ecif/bulk-load.ts';
import { loadLines, type LoadFormat } from '#core/ecif/load-file.ts';
import type { LoadFiles } from '#core/ecif/load-ports.ts';

export class S3LoadFiles implements LoadFiles {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  uploadUrl(key: string, seconds: number) {
    return getSignedUrl(this.s3, new PutObjectCommand({ Bucket: this.bucket, Key: key }), { expiresIn: seconds });
  }

  async exists(key: string) {
    try {
      await this.s3.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if ((err as Error).name === 'NotFound' || (err as Error).name === 'NoSuchKey') return false;
      throw err;
    }
  }

  async stage(source: string, staged: string, format: LoadFormat, gzip: boolean) {
    const { Body } = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: source }));
    const raw = Body as Readable;
    const text = gzip ? raw.pipe(createGunzip()) : raw;
    const out = new PassThrough();
    let written = 0;
    const produce = (async () => {
      try {
        const lines = createInterface({ input: text.setEncoding('utf8'), crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of loadLines(lines, format)) {
          written++;
          if (!out.write(`${JSON.stringify(line)}\n`)) await new Promise((r) => out.once('drain', r));
        }
        out.end();
      } catch (err) {
        // A broken gzip stream: the staged file is not written, the step fails and the job says so.
        out.destroy(err as Error);
      }
    })();
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: staged, Body: out, ContentType: 'application/x-ndjson' },
    }).done();
    await produce;
    return { lines: written, bucket: this.bucket };
  }

  async putRejects(key: string, rejects: AsyncIterable<LoadReject[]>) {
    // The batches come back in the order of their first line: the file is sorted by line, and streamed.
    const iterator = rejects[Symbol.asyncIterator]();
    const first = await iterator.next();
    if (first.done) return 0;
    let count = 0;
    async function* text() {
      for (let next = first; !next.done; next = await iterator.next()) {
        count += next.value.length;
        yield next.value.map((r) => `${JSON.stringify(r)}\n`).join('');
      }
    }
    await new Upload({
      client: this.s3,
      params: { Bucket: this.bucket, Key: key, Body: Readable.from(text()), ContentType: 'application/x-ndjson' },
    }).done();
    return count;
  }

  downloadUrl(key: string, seconds: number) {
    return getSignedUrl(
      this.s3,
      new GetObjectCommand({
        Bucket: this.bucket,
        Key: key,
        ResponseContentDisposition: 'attachment; filename="ecif-load-rejects.ndjson"',
      }),
      { expiresIn: seconds },
    );
  }
}
