/**
 * Who may call the API: a Cognito user pool whose groups are the roles of the route table
 * (customer, crm, auditor, operator, steward) and one app client whose id is the JWT audience.
 * It lives with the data (stateful stack): the users outlive any redeploy of the API.
 */
import { CfnOutput, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { roles } from '#handlers/http/routes.ts';
import { pascal } from './names.ts';

export interface CustodianIdentityProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

export class CustodianIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;

  constructor(scope: Construct, id: string, props: CustodianIdentityProps = {}) {
    super(scope, id);
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      // Accounts are provisioned (staff) or federated later; the privacy center accepts anonymous submissions.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      mfa: cognito.Mfa.REQUIRED,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 14,
        requireDigits: true,
        requireLowercase: true,
        requireUppercase: true,
        requireSymbols: true,
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: (props.removalPolicy ?? RemovalPolicy.RETAIN) === RemovalPolicy.RETAIN,
      removalPolicy: props.removalPolicy ?? RemovalPolicy.RETAIN,
    });

    // The groups are the roles: Cognito puts them in `cognito:groups`, the middleware reads them.
    for (const role of roles) {
      new cognito.CfnUserPoolGroup(this, `Group${pascal(role)}`, {
        userPoolId: this.userPool.userPoolId,
        groupName: role,
        description: `Custodian role ${role}`,
      });
    }

    this.client = this.userPool.addClient('AppClient', {
      // A public client (web pages, CLI): no secret; hosted-UI flows come with the web issue.
      generateSecret: false,
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId, description: 'Add users to the role groups here (docs/deploy.md)' });
  }

  /** The `iss` of the pool's tokens, as the JWT authorizer and the handlers check it. */
  get issuerUrl(): string {
    return `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
  }
}
