/**
 * The web pages in AWS: web/dist in a private S3 bucket that only CloudFront reads (origin access
 * control), served over TLS only with security headers, each page path answered with its
 * index.html by a CloudFront Function. `config.json` beside the bundle tells the pages the HTTP API
 * URL and the sign-in: nothing is baked into the bundle.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Aws, CfnOutput, DefaultStackSynthesizer, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import { Construct } from 'constructs';
import type * as acm from 'aws-cdk-lib/aws-certificatemanager';
import { ensureWebBuild } from '../web-build.ts';
import { acknowledgeWildcardResources } from './nag.ts';

export interface CustodianWebProps {
  /** The built pages. @default web/dist, built first when missing or stale */
  readonly distDir?: string;
  /** A WAF web ACL (us-east-1, CLOUDFRONT scope) in front of the pages. @default none */
  readonly webAclId?: string;
  /** Your own host names for the pages, with their certificate (us-east-1). @default the *.cloudfront.net name */
  readonly domainNames?: string[];
  readonly certificate?: acm.ICertificate;
  /** Days CloudFront and S3 access logs are kept. @default 365 */
  readonly logRetentionDays?: number;
  /**
   * Where the pages may connect (CSP connect-src) besides their own origin. The API's exact origin
   * cannot be named here: the API's CORS names this distribution, and CloudFormation refuses the
   * cycle. @default the region's API Gateway hosts, `https://*.execute-api.<region>.<suffix>`
   */
  readonly connectSources?: string[];
}

/** What the pages read from /config.json (web/src/shared/config.ts). */
export interface WebConfigJson {
  apiUrl: string;
  /** Base URL of the streaming REST API (the audit export), when it is not the HTTP API. */
  exportApiUrl?: string;
  signIn: { mode: 'cognito' | 'none'; url?: string };
}

/** Page paths to index.html: `/console...` is the console, any other path without a file name the privacy center. */
const pageRouting = `function handler(event) {
  var request = event.request;
  var uri = request.uri;
  if (uri === '/config.json' || uri === '/.well-known/gpc.json' || uri.indexOf('/assets/') === 0) return request;
  if (uri === '/console' || uri.indexOf('/console/') === 0) { request.uri = '/console/index.html'; return request; }
  request.uri = '/index.html';
  return request;
}`;

export class CustodianWeb extends Construct {
  readonly bucket: s3.Bucket;
  readonly logs: s3.Bucket;
  readonly distribution: cloudfront.Distribution;
  readonly headers: cloudfront.ResponseHeadersPolicy;
  private readonly distDir: string;

  constructor(scope: Construct, id: string, props: CustodianWebProps = {}) {
    super(scope, id);
    this.distDir = props.distDir ?? ensureWebBuild();
    if (
      !existsSync(path.join(this.distDir, 'index.html')) ||
      !existsSync(path.join(this.distDir, 'console', 'index.html'))
    ) {
      throw new Error(`the web pages are not built in ${this.distDir}: run npm run web:build`);
    }

    // S3 server access logs into that bucket are granted by its bucket policy, not the legacy
    // `LogDeliveryWrite` canned ACL (cfn-lint W3045). Set here: the tests' in-process synth reads no cdk.json.
    this.node.setContext('@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy', true);
    this.logs = new s3.Bucket(this, 'AccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      // CloudFront standard logging writes with an ACL.
      objectOwnership: s3.ObjectOwnership.OBJECT_WRITER,
      lifecycleRules: [{ expiration: Duration.days(props.logRetentionDays ?? 365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.logs.node.addMetadata('custodian:bucket', 'web-access-logs');

    this.bucket = new s3.Bucket(this, 'Pages', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.logs,
      serverAccessLogsPrefix: 's3/',
      // Only built files: the deployment below puts them back on every deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });

    const stack = Stack.of(this);
    const connect = [
      "'self'",
      ...(props.connectSources ?? [`https://*.execute-api.${stack.region}.${stack.urlSuffix}`]),
    ];
    this.headers = new cloudfront.ResponseHeadersPolicy(this, 'SecurityHeaders', {
      comment: 'Custodian web pages: CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: `default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src ${connect.join(' ')}; frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'`,
          override: true,
        },
        strictTransportSecurity: { accessControlMaxAge: Duration.days(730), includeSubdomains: true, override: true },
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Permissions-Policy', value: 'camera=(), microphone=(), geolocation=()', override: true },
        ],
      },
    });

    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Custodian privacy center and console',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.headers,
        functionAssociations: [
          {
            eventType: cloudfront.FunctionEventType.VIEWER_REQUEST,
            function: new cloudfront.Function(this, 'PageRouting', {
              code: cloudfront.FunctionCode.fromInline(pageRouting),
              runtime: cloudfront.FunctionRuntime.JS_2_0,
              comment: 'Page paths to their index.html',
            }),
          },
        ],
      },
      // Only a certificate of your own can raise the TLS floor (the default one's is CloudFront's).
      minimumProtocolVersion: props.certificate ? cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021 : undefined,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: this.logs,
      logFilePrefix: 'cloudfront/',
      webAclId: props.webAclId,
      domainNames: props.domainNames,
      certificate: props.certificate,
    });
    const distribution = this.distribution.node.defaultChild!;
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason: 'Privacy rights do not depend on where a person is: the privacy center must answer from every country.',
    });
    if (!props.webAclId) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only (no code runs behind CloudFront); the API they call has its own throttling and per-address abuse limits. Pass webAclId to put a WAF web ACL in front.',
      });
    }
    if (!props.certificate) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'On the default *.cloudfront.net certificate CloudFront keeps its own TLS floor; give domainNames and a certificate and TLSv1.2_2021 applies. Viewers are HTTPS only either way.',
      });
    }

    new CfnOutput(this, 'Url', { value: this.url, description: 'Custodian privacy center (/) and console (/console)' });
  }

  /** https://<distribution domain>, what the API allows as a CORS origin. */
  get url(): string {
    return `https://${this.distribution.distributionDomainName}`;
  }

  /** Puts the bundle and its config.json in the bucket, and invalidates CloudFront's copy. */
  publish(config: WebConfigJson): s3deploy.BucketDeployment {
    const deployment = new s3deploy.BucketDeployment(this, 'Publish', {
      destinationBucket: this.bucket,
      sources: [
        s3deploy.Source.asset(this.distDir, { exclude: ['.built'] }),
        s3deploy.Source.jsonData('config.json', config),
      ],
      // Pages and config are checked on every load (hashed assets keep their ETag: a cheap 304).
      cacheControl: [s3deploy.CacheControl.noCache()],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      memoryLimit: 512,
    });
    // The deployment's provider function is CDK's own (one per stack): named so reviewers and tests tell it apart.
    const provider = Stack.of(this).node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error('the BucketDeployment provider function was not found');
    (provider.node.defaultChild as lambda.CfnFunction).addMetadata('custodian:function', 'web:publish');
    const why = "CDK's BucketDeployment provider (aws-cdk-lib), which only runs at deploy time:";
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-L1',
      reason: `${why} its Python runtime is pinned by aws-cdk-lib and moves with CDK upgrades.`,
    });
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
      reason: `${why} the basic execution policy lets it write its own CloudWatch logs, nothing else.`,
    });
    for (const action of ['s3:GetObject*', 's3:GetBucket*', 's3:List*', 's3:DeleteObject*', 's3:Abort*']) {
      Validations.of(provider).acknowledge({
        id: `AwsSolutions-IAM5[Action::${action}]`,
        reason: `${why} read the bundle from the CDK asset bucket, write and prune the pages bucket; granted on those two buckets only.`,
      });
    }
    const stack = Stack.of(this);
    const assets = `arn:${Aws.PARTITION}:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${stack.account}-${stack.region}/*`;
    acknowledgeWildcardResources(
      provider,
      [assets],
      `${why} the bundle's zip is an object of the CDK bootstrap asset bucket, named by a content hash.`,
    );
    Validations.of(provider).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: `${why} cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on "*", to refresh the pages after a deploy.`,
    });
    acknowledgeWildcardResources(
      provider,
      [this.bucket.arnForObjects('*')],
      `${why} it writes and prunes the built pages, whose names change with each build, in the pages bucket only.`,
    );
    return deployment;
  }
}
