/**
 * Access reports in the report bucket (SSE-KMS with the data key in AWS, lifecycle-expired):
 * `reports/<requestId>/systems/<systemId>.json` while the request runs, then
 * `reports/<requestId>/report.json|csv`. Downloads are presigned GETs that expire.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { ReportStore } from '#core/reports/ports.ts';

export class S3ReportStore implements ReportStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  private async put(key: string, body: string, contentType: string) {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: contentType }));
    return key;
  }

  async putSystemData(requestId: string, systemId: string, data: Record<string, unknown>) {
    await this.put(`reports/${requestId}/systems/${systemId}.json`, JSON.stringify(data), 'application/json');
  }

  async systemData(requestId: string, systemId: string) {
    try {
      const out = await this.s3.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `reports/${requestId}/systems/${systemId}.json` }),
      );
      return JSON.parse(await out.Body!.transformToString()) as Record<string, unknown>;
    } catch (err) {
      if ((err as Error).name === 'NoSuchKey') return undefined;
      throw err;
    }
  }

  async putReport(requestId: string, files: { json: string; csv: string }) {
    return {
      json: await this.put(`reports/${requestId}/report.json`, files.json, 'application/json'),
      csv: await this.put(`reports/${requestId}/report.csv`, files.csv, 'text/csv; charset=utf-8'),
    };
  }

  downloadUrl(key: string, seconds: number) {
    const name = key.endsWith('.csv') ? 'privacy-report.csv' : 'privacy-report.json';
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
