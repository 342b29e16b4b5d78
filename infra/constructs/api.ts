/**
 * The HTTP API: one route per row of the route table, each integrated with its own function.
 * `jwt` rows go through the Cognito JWT authorizer; `public` rows (optional token, checked by the
 * handler) and `hmac` rows (signed callbacks, checked by the handler) have no API Gateway authorizer.
 *
 * `stream` rows (the audit export) are not on the HTTP API, which cannot stream: API Gateway streams
 * responses on REST APIs only. They get a small REST API of their own, with the Lambda proxy
 * integration in STREAM transfer mode (InvokeWithResponseStream). Its methods have no API Gateway
 * authorizer: the handler chain checks the bearer token exactly as the HTTP API's JWT authorizer
 * does (a REST Cognito authorizer takes ID tokens or access tokens, not both, and the pages send
 * access tokens while people's tools may send ID tokens).
 */
import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
import * as rest from 'aws-cdk-lib/aws-apigateway';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigw from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { RouteSpec } from '#handlers/http/routes.ts';

export interface ApiRoute {
  readonly spec: RouteSpec;
  readonly fn: lambda.IFunction;
}

export interface CustodianApiProps {
  /** The `iss` of the tokens (the Cognito user pool's issuer URL). */
  readonly jwtIssuer: string;
  /** The accepted audiences (the app client ids). */
  readonly jwtAudience: string[];
  readonly routes: readonly ApiRoute[];
  /** @default { rateLimit: 100, burstLimit: 200 } */
  readonly throttle?: apigw.ThrottleSettings;
  /** @default logs.RetentionDays.ONE_YEAR */
  readonly accessLogRetention?: logs.RetentionDays;
  /** Routes anyone may call without a token, per route across all callers. @default { rateLimit: 10, burstLimit: 20 } */
  readonly publicThrottle?: apigw.ThrottleSettings;
  /** Origins whose pages may call the API from a browser (the web pages' CloudFront URL). @default none */
  readonly corsAllowOrigins?: string[];
  /** The streaming REST API's stage throttle. @default { rateLimit: 5, burstLimit: 10 } (exports are long and few) */
  readonly streamThrottle?: apigw.ThrottleSettings;
}

export class CustodianApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[] = [];
  /** The REST API of the `stream` rows (absent when the route table has none). */
  readonly streamApi?: rest.RestApi;
  readonly streamAccessLogs?: logs.LogGroup;

  constructor(scope: Construct, id: string, props: CustodianApiProps) {
    super(scope, id);
    this.httpApi = new apigw.HttpApi(this, 'HttpApi', {
      description: 'Custodian privacy and consent API',
      // The stage is made below, with access logging and throttling.
      createDefaultStage: false,
      // The web pages live on another origin (CloudFront): their browser calls need CORS.
      ...(props.corsAllowOrigins?.length
        ? {
            corsPreflight: {
              allowOrigins: props.corsAllowOrigins,
              allowMethods: [apigw.CorsHttpMethod.GET, apigw.CorsHttpMethod.POST, apigw.CorsHttpMethod.PUT],
              allowHeaders: ['authorization', 'content-type', 'idempotency-key', 'x-requester-key'],
              exposeHeaders: ['content-disposition', 'location', 'retry-after'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    this.stage = this.httpApi.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: props.throttle ?? { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: {
        destination: new apigw.LogGroupLogDestination(this.accessLogs),
        // No request bodies or headers: they can hold personal data.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            routeKey: '$context.routeKey',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.integrationLatency',
            principal: '$context.authorizer.claims.sub',
            authorizerError: '$context.authorizer.error',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });

    const jwt = new HttpJwtAuthorizer('CognitoJwt', props.jwtIssuer, { jwtAudience: props.jwtAudience });
    const none = new apigw.HttpNoneAuthorizer();

    const buffered = props.routes.filter(({ spec }) => !spec.stream);
    const streamed = props.routes.filter(({ spec }) => spec.stream);

    for (const { spec, fn } of buffered) {
      const [route] = this.httpApi.addRoutes({
        path: spec.path,
        methods: [apigw.HttpMethod[spec.method]],
        integration: new HttpLambdaIntegration(`${spec.handler}-integration`, fn),
        authorizer: spec.auth === 'jwt' ? jwt : none,
      });
      if (spec.auth !== 'jwt') {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            spec.auth === 'hmac'
              ? 'Connected systems call back with an HMAC-SHA256 signature over the body, which the handler verifies.'
              : 'Public by design (health, anonymous privacy requests that are verified later); the handler checks a bearer token when one is sent.',
        });
      }
      this.routes.push(route);
    }

    // Unauthenticated routes get a tighter budget than the stage's: submissions and callbacks
    // cannot drown the authenticated traffic (and a WAF rate rule per IP can sit in front).
    const open = props.publicThrottle ?? { rateLimit: 10, burstLimit: 20 };
    (this.stage.node.defaultChild as apigw.CfnStage).routeSettings = Object.fromEntries(
      buffered
        .filter(({ spec }) => spec.auth !== 'jwt')
        .map(({ spec }) => [
          `${spec.method} ${spec.path}`,
          { ThrottlingRateLimit: open.rateLimit, ThrottlingBurstLimit: open.burstLimit },
        ]),
    );

    new CfnOutput(this, 'Url', { value: this.stage.url, description: 'Custodian HTTP API' });

    if (streamed.length)
      ({ api: this.streamApi, accessLogs: this.streamAccessLogs } = this.streamingApi(streamed, props));
  }

  /** The REST API that streams: one method per `stream` row, its integration in STREAM mode. */
  private streamingApi(routes: readonly ApiRoute[], props: CustodianApiProps) {
    const accessLogs = new logs.LogGroup(this, 'StreamAccessLogs', {
      retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR,
    });
    const throttle = props.streamThrottle ?? { rateLimit: 5, burstLimit: 10 };
    const api = new rest.RestApi(this, 'StreamApi', {
      description: 'Custodian streamed routes (audit export): REST because only REST APIs stream responses',
      endpointTypes: [rest.EndpointType.REGIONAL],
      // No account-wide CloudWatch role made here: access logs need none.
      cloudWatchRole: false,
      deployOptions: {
        stageName: 'api',
        throttlingRateLimit: throttle.rateLimit,
        throttlingBurstLimit: throttle.burstLimit,
        accessLogDestination: new rest.LogGroupLogDestination(accessLogs),
        // No request bodies, headers or query strings: they can hold personal data.
        accessLogFormat: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            requestTime: '$context.requestTime',
            sourceIp: '$context.identity.sourceIp',
            resourcePath: '$context.resourcePath',
            httpMethod: '$context.httpMethod',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            latency: '$context.integrationLatency',
            integrationError: '$context.integration.error',
          }),
        ),
      },
      ...(props.corsAllowOrigins?.length
        ? {
            defaultCorsPreflightOptions: {
              allowOrigins: props.corsAllowOrigins,
              allowMethods: ['GET'],
              allowHeaders: ['authorization'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });
    // Declared parameters and bodies are validated by API Gateway; the export declares none, so that a
    // missing or bad range is the chain's problem details (422 with the field), not API Gateway's own 400.
    const validator = api.addRequestValidator('RequestValidator', {
      validateRequestParameters: true,
      validateRequestBody: true,
    });
    for (const { spec, fn } of routes) {
      const method = api.root.resourceForPath(spec.path).addMethod(
        spec.method,
        new rest.LambdaIntegration(fn, {
          responseTransferMode: rest.ResponseTransferMode.STREAM,
          // A streamed response may run up to 15 minutes (the function's own timeout is the same).
          timeout: Duration.minutes(15),
        }),
        {
          authorizationType: rest.AuthorizationType.NONE,
          requestValidator: validator,
        },
      );
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4']) {
        Validations.of(method).acknowledge({
          id,
          reason:
            'The handler chain verifies the bearer token before anything is read (signature against the user pool keys, issuer, expiry, audience), as the HTTP API JWT authorizer does; a Cognito authorizer would take only ID tokens or only access tokens.',
        });
      }
    }
    // The CORS preflight (OPTIONS, a mock integration) carries no token by the browser's rules.
    for (const m of api.methods.filter((m) => m.httpMethod === 'OPTIONS')) {
      for (const id of ['AwsSolutions-APIG4', 'AwsSolutions-COG4'])
        Validations.of(m).acknowledge({
          id,
          reason:
            'CORS preflight: browsers send it without credentials; it answers headers only and reaches no function.',
        });
    }
    Validations.of(api).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'No WAF on the streaming API, as on the HTTP API (which cannot have one): stage throttling bounds it, and every method requires a valid token checked before any read.',
    });
    Validations.of(api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG6',
      reason:
        'Access logs record every request; execution logs would need an account-wide CloudWatch role and can hold request data.',
    });
    // One output under a name that says what it is for (RestApi adds an `Endpoint` one of its own).
    api.node.tryRemoveChild('Endpoint');
    new CfnOutput(this, 'ExportApiUrl', {
      value: api.url,
      description: 'Custodian streamed routes (GET <url>v1/audit/export)',
    });
    return { api, accessLogs };
  }
}
