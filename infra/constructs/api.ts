/**
 * The HTTP API: one route per row of the route table, each integrated with its own function.
 * `jwt` rows go through the Cognito JWT authorizer; `public` rows (optional token, checked by the
 * handler) and `hmac` rows (signed callbacks, checked by the handler) have no API Gateway authorizer.
 */
import { CfnOutput, Duration, Validations } from 'aws-cdk-lib';
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
}

export class CustodianApi extends Construct {
  readonly httpApi: apigw.HttpApi;
  readonly stage: apigw.HttpStage;
  readonly accessLogs: logs.LogGroup;
  readonly routes: apigw.HttpRoute[] = [];

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
              exposeHeaders: ['content-disposition', 'location', 'retry-after', 'x-custodian-truncated'],
              maxAge: Duration.hours(1),
            },
          }
        : {}),
    });

    this.accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: props.accessLogRetention ?? logs.RetentionDays.ONE_YEAR });
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

    for (const { spec, fn } of props.routes) {
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
      props.routes
        .filter(({ spec }) => spec.auth !== 'jwt')
        .map(({ spec }) => [`${spec.method} ${spec.path}`, { ThrottlingRateLimit: open.rateLimit, ThrottlingBurstLimit: open.burstLimit }]),
    );

    new CfnOutput(this, 'Url', { value: this.stage.url, description: 'Custodian HTTP API' });
  }
}
