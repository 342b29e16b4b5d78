/**
 * The report and digest buckets of the synthesized stateful template, in moto
 * (test/support/moto-stack.ts), reached through the composition root's adapters: an access report
 * written under the bucket's SSE-KMS default (the template's key) and fetched through its presigned
 * link, which expires in 15 minutes; a daily digest archived under Object Lock COMPLIANCE, and a
 * delete of that version refused; the public key archived beside the digests under the same lock;
 * an export part gzipped and uploaded as it is written, its SHA-256 that of the bytes a link serves.
 */
import { DeleteObjectCommand, HeadObjectCommand, ListObjectVersionsCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import { buildDigest } from '#core/audit/digest.ts';
import { jwkOf } from '#core/audit/signature.ts';
import { deps, resetDeps } from '#handlers/deps.ts';
import { synthTemplates } from '#infra/synth.ts';
import { composeWith, pointSdkAtMoto, startMoto, type Moto } from '../../support/moto.ts';
import { deployStatefulToMoto } from '../../support/moto-stack.ts';

let moto: Moto;
let restore: () => void;
let s3: S3Client;
let buckets: { reports: string; digests: string };
let keyArn: string;

beforeAll(async () => {
  moto = await startMoto();
  restore = pointSdkAtMoto(moto);
  const stack = await deployStatefulToMoto(moto, synthTemplates().stateful);
  const bucket = (name: RegExp) => stack.physical[stack.ofType('AWS::S3::Bucket').find((id) => name.test(id))!]!;
  buckets = { reports: bucket(/^DataReports[0-9A-F]/), digests: bucket(/^DataAuditDigests[0-9A-F]/) };
  keyArn = stack.arn(stack.ofType('AWS::KMS::Key')[0]!);
  s3 = new S3Client(moto.clientConfig);
  await composeWith({ REPORT_BUCKET: buckets.reports, DIGEST_BUCKET: buckets.digests });
}, 240_000);
afterAll(async () => {
  restore?.();
  resetDeps();
  await moto?.stop();
});

describe('the report bucket (moto)', () => {
  it("a report is stored under the template's KMS key and fetched through a link that expires in 15 minutes", async () => {
    const { reports } = await deps();
    const keys = await reports.putReport('REQ-S3-1', { json: '{"report":true}', csv: 'a,b\n1,2\n' });
    const head = await s3.send(new HeadObjectCommand({ Bucket: buckets.reports, Key: keys.json }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    expect(head.SSEKMSKeyId).toBe(keyArn);

    const url = await reports.downloadUrl(keys.csv, 15 * 60);
    const signed = new URL(url).searchParams;
    expect(signed.get('X-Amz-Expires')).toBe('900');
    // Signed into the link (moto does not echo it back as a header; S3 does).
    expect(signed.get('response-content-disposition')).toBe('attachment; filename="privacy-report.csv"');
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('a,b\n1,2\n');
  });
});

describe('the digest archive (moto)', () => {
  it('a daily digest is kept under Object Lock COMPLIANCE; deleting that version is refused', async () => {
    const { digestArchive } = await deps();
    const digest = buildDigest('2026-12-03', '2026-12-04T00:05:00.000Z', [], undefined);
    await digestArchive!.put(digest);
    const Key = 'digests/2026-12-03.json';
    const head = await s3.send(new HeadObjectCommand({ Bucket: buckets.digests, Key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    // The template's default retention: 2555 days (7 years).
    const days = (head.ObjectLockRetainUntilDate!.getTime() - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(2554);
    expect(days).toBeLessThanOrEqual(2555);

    const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: buckets.digests, Prefix: Key }));
    const refused = await s3
      .send(new DeleteObjectCommand({ Bucket: buckets.digests, Key, VersionId: Versions![0]!.VersionId }))
      .then(
        () => undefined,
        (e: Error) => e.name,
      );
    expect(refused).toBe('AccessDenied');
    const still = await s3.send(
      new HeadObjectCommand({ Bucket: buckets.digests, Key, VersionId: Versions![0]!.VersionId }),
    );
    expect(still.ObjectLockMode).toBe('COMPLIANCE');
  });
});

describe('the public key beside the digests (moto)', () => {
  it('is kept once per key id under Object Lock COMPLIANCE, as the JWK GET /v1/audit/keys serves', async () => {
    const { digestArchive } = await deps();
    const jwk = jwkOf(generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey, 'arn:aws:kms:eu-west-1:1:key/abc');
    await digestArchive!.putKeys([jwk]);
    await digestArchive!.putKeys([jwk]);
    const Key = `keys/${encodeURIComponent(jwk.kid)}.json`;
    const head = await s3.send(new HeadObjectCommand({ Bucket: buckets.digests, Key }));
    expect(head.ObjectLockMode).toBe('COMPLIANCE');
    const { Versions } = await s3.send(new ListObjectVersionsCommand({ Bucket: buckets.digests, Prefix: Key }));
    expect(Versions).toHaveLength(1);
    const body = await (
      await s3.send(new GetObjectCommand({ Bucket: buckets.digests, Key }))
    ).Body!.transformToString();
    expect(JSON.parse(body)).toEqual(jwk);
  });
});

describe('export parts in the report bucket (moto)', () => {
  it('a part is gzipped as it is written; its hash and line count are those of what the link serves', async () => {
    const { exportFiles } = await deps();
    const lines = Array.from({ length: 5000 }, (_, i) => `{"seq":${i}}\n`);
    async function* source() {
      yield* lines;
    }
    const key = 'audit-exports/TEST/part-2026-12-01.ndjson.gz';
    const written = await exportFiles.putPart(key, source());
    expect(written.lines).toBe(5000);
    const head = await s3.send(new HeadObjectCommand({ Bucket: buckets.reports, Key: key }));
    expect(head.ServerSideEncryption).toBe('aws:kms');
    const bytes = Buffer.from(await (await fetch(await exportFiles.downloadUrl(key, 900))).arrayBuffer());
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(written.sha256);
    expect(gunzipSync(bytes).toString('utf8')).toBe(lines.join(''));
  });
});
