/**
 * The web pages' deployment: a private bucket only CloudFront reads (origin access control), TLS
 * only, security headers, page paths answered with their index.html, config.json with the HTTP API
 * URL, and the API open to the pages' origin (CORS) and to no other.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { synthTemplates } from '#infra/synth.ts';
import { CustodianWeb } from '#infra/constructs/web.ts';
import { resources, type Template as Cfn } from './support.ts';

let raw: Cfn;
let template: Template;
beforeAll(() => {
  raw = synthTemplates().stateless as Cfn;
  template = Template.fromJSON(raw);
});

const one = (type: string) => {
  const found = resources(raw, type);
  expect(found, type).toHaveLength(1);
  return found[0];
};
const distributionId = () => one('AWS::CloudFront::Distribution')[0];
const pagesBucketId = () => resources(raw, 'AWS::S3::Bucket').find(([id]) => id.startsWith('WebPages'))![0];

describe('the pages bucket', () => {
  it('is private, encrypted, and logs its access', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: {
        BlockPublicAcls: true,
        BlockPublicPolicy: true,
        IgnorePublicAcls: true,
        RestrictPublicBuckets: true,
      },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
      },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 's3/' }),
    });
  });

  it('is read by this distribution only (OAC: the CloudFront service principal, conditioned on the distribution), and only over TLS', () => {
    const [, policy] = resources(raw, 'AWS::S3::BucketPolicy').find(
      ([, p]) => p.Properties!.Bucket.Ref === pagesBucketId(),
    )!;
    const statements = policy.Properties!.PolicyDocument.Statement as any[];
    expect(statements).toContainEqual(
      expect.objectContaining({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
    );
    const reads = statements.filter((s) => s.Effect === 'Allow');
    expect(reads).toHaveLength(1);
    expect(reads[0].Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(reads[0].Action).toBe('s3:GetObject');
    expect(JSON.stringify(reads[0].Condition)).toContain(distributionId());
  });
});

describe('the distribution', () => {
  it('serves HTTPS only, through an origin access control (no public bucket, no legacy OAI)', () => {
    const [, d] = one('AWS::CloudFront::Distribution');
    const config = d.Properties!.DistributionConfig;
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('https-only');
    expect(config.DefaultCacheBehavior.AllowedMethods).toEqual(['GET', 'HEAD']);
    expect(config.Origins).toHaveLength(1);
    expect(config.Origins[0].OriginAccessControlId).toBeDefined();
    expect(config.Origins[0].S3OriginConfig.OriginAccessIdentity).toBe('');
    expect(config.Logging.Prefix).toBe('cloudfront/');
    template.hasResourceProperties('AWS::CloudFront::OriginAccessControl', {
      OriginAccessControlConfig: Match.objectLike({ SigningBehavior: 'always', SigningProtocol: 'sigv4' }),
    });
  });

  it('adds the security headers: CSP (scripts and styles from itself only), HSTS, no framing, no sniffing, no referrer', () => {
    const [, p] = one('AWS::CloudFront::ResponseHeadersPolicy');
    const headers = p.Properties!.ResponseHeadersPolicyConfig.SecurityHeadersConfig;
    const csp = JSON.stringify(headers.ContentSecurityPolicy.ContentSecurityPolicy);
    for (const directive of [
      "script-src 'self'",
      "style-src 'self'",
      "frame-ancestors 'none'",
      "object-src 'none'",
      "connect-src 'self' https://*.execute-api.",
    ])
      expect(csp).toContain(directive);
    expect(csp).not.toContain('unsafe-inline');
    expect(headers.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 730 * 86_400,
      IncludeSubdomains: true,
      Override: true,
    });
    expect(headers.FrameOptions.FrameOption).toBe('DENY');
    expect(headers.ContentTypeOptions.Override).toBe(true);
    expect(headers.ReferrerPolicy.ReferrerPolicy).toBe('no-referrer');
  });

  it('answers each page path with its index.html and leaves files alone (the viewer-request function, run here)', () => {
    const [, fn] = one('AWS::CloudFront::Function');
    const code = fn.Properties!.FunctionCode as string;
    const route = (uri: string) =>
      runInNewContext(`${code}\nhandler({ request: { uri: ${JSON.stringify(uri)} } }).uri`);
    expect(route('/')).toBe('/index.html');
    expect(route('/consent')).toBe('/index.html');
    expect(route('/requests/01J0000000000000000000000A')).toBe('/index.html');
    expect(route('/console')).toBe('/console/index.html');
    expect(route('/console/requests/01J0000000000000000000000A')).toBe('/console/index.html');
    expect(route('/assets/center-abc.js')).toBe('/assets/center-abc.js');
    expect(route('/config.json')).toBe('/config.json');
    expect(route('/.well-known/gpc.json')).toBe('/.well-known/gpc.json');
  });

  it('outputs its URL', () => {
    const outputs = Object.values(raw.Outputs ?? {}).map((o) => JSON.stringify(o.Value));
    expect(outputs.some((v) => v.includes(distributionId()) && v.includes('DomainName'))).toBe(true);
  });
});

describe('publishing', () => {
  it('puts the bundle and a config.json naming the HTTP API URL in the bucket, and invalidates the distribution', () => {
    const [, d] = one('Custom::CDKBucketDeployment');
    const props = d.Properties!;
    expect(props.DestinationBucketName).toEqual({ Ref: pagesBucketId() });
    expect(props.SourceObjectKeys).toHaveLength(2);
    expect(props.DistributionId).toEqual({ Ref: distributionId() });
    expect(props.DistributionPaths).toEqual(['/*']);
    const markers = JSON.stringify(props.SourceMarkers);
    const apiId = resources(raw, 'AWS::ApiGatewayV2::Api')[0][0];
    expect(markers).toContain(apiId);
    expect(JSON.stringify(props.SourceMarkersConfig ?? [])).toContain('jsonEscape');
  });

  it("people sign in on the pages through Cognito's hosted sign-in, with a client of their own that returns only to the pages", () => {
    const clients = resources(raw, 'AWS::Cognito::UserPoolClient');
    expect(clients).toHaveLength(1);
    const [clientId, client] = clients[0];
    expect(client.Properties).toMatchObject({
      AllowedOAuthFlows: ['implicit'],
      AllowedOAuthFlowsUserPoolClient: true,
      GenerateSecret: false,
      SupportedIdentityProviders: ['COGNITO'],
    });
    expect(client.Properties!.CallbackURLs).toHaveLength(2);
    for (const url of client.Properties!.CallbackURLs) expect(JSON.stringify(url)).toContain(distributionId());
    // config.json points the pages at the hosted sign-in for that client; the API takes its tokens.
    const [, d] = one('Custom::CDKBucketDeployment');
    expect(JSON.stringify(d.Properties!.SourceMarkers)).toContain(clientId);
    const [, auth] = one('AWS::ApiGatewayV2::Authorizer');
    expect(auth.Properties!.JwtConfiguration.Audience).toContainEqual({ Ref: clientId });
  });

  it("the API answers browsers from the pages' origin only (CORS), with the headers the pages send", () => {
    const [, api] = one('AWS::ApiGatewayV2::Api');
    const cors = api.Properties!.CorsConfiguration;
    expect(cors.AllowOrigins).toHaveLength(1);
    expect(JSON.stringify(cors.AllowOrigins[0])).toContain(distributionId());
    expect(cors.AllowHeaders).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-requester-key']));
    expect(cors.AllowCredentials).toBeUndefined();
  });

  it('refuses to synth without a built bundle, and says how to build it', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'custodian-web-'));
    try {
      expect(() => new CustodianWeb(new Stack(new App(), 'S'), 'Web', { distDir: empty })).toThrow(
        /not built.*npm run web:build/,
      );
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
