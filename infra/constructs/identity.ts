/**
 * Who may call the API: a Cognito user pool whose groups are the roles of the route table
 * (customer, crm, auditor, operator, steward), one public app client for people (web pages, CLI),
 * and confidential client-credentials app clients for machines (a CRM deciding before outreach, a
 * source system feeding the ECIF), whose role is their OAuth scope (`custodian/crm`,
 * `custodian/steward`). Every client id is a JWT audience. It lives with the data (stateful stack):
 * the users and clients outlive any redeploy of the API.
 */
import { CfnOutput, Duration, Fn, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { Construct } from 'constructs';
import { machineRoles, roles } from '#handlers/http/routes.ts';
import { ECIF_ID_ATTRIBUTE } from '#core/ecif/customer-claim.ts';
import { pascal } from './names.ts';
import { CustomerTokenClaims } from './token-claims.ts';

export interface CustodianIdentityProps {
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** The Cognito domain prefix of the token endpoint (globally unique). @default `custodian-<account>` */
  readonly domainPrefix?: string;
}

export class CustodianIdentity extends Construct {
  readonly userPool: cognito.UserPool;
  readonly client: cognito.UserPoolClient;
  /** The pool's Cognito domain: the token endpoint of machines, the hosted sign-in of people. */
  readonly domain: cognito.UserPoolDomain;
  /** Client-credentials clients, one per machine role. */
  readonly machineClients: Record<(typeof machineRoles)[number], cognito.UserPoolClient>;

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
      // The customer number: set when the account is created, never changed (a new number is a new account).
      customAttributes: {
        [ECIF_ID_ATTRIBUTE.replace(/^custom:/, '')]: new cognito.StringAttribute({
          minLen: 1,
          maxLen: 64,
          mutable: false,
        }),
      },
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

    // The customer number into ID and access tokens (functions/handlers/identity/pre-token-generation.ts).
    new CustomerTokenClaims(this, 'TokenClaims', { userPool: this.userPool });

    this.client = this.userPool.addClient('AppClient', {
      // A public client (web pages, CLI): no secret; hosted-UI flows come with the web issue.
      generateSecret: false,
      ...CustodianIdentity.peopleAttributes(),
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      accessTokenValidity: Duration.hours(1),
      idTokenValidity: Duration.hours(1),
      refreshTokenValidity: Duration.days(1),
    });
    new CfnOutput(this, 'UserPoolId', {
      value: this.userPool.userPoolId,
      description: 'Add users to the role groups here (docs/deploy.md)',
    });

    // Machines: OAuth client credentials at the pool's token endpoint; the scope is the role.
    const domain = (this.domain = this.userPool.addDomain('Domain', {
      cognitoDomain: { domainPrefix: props.domainPrefix ?? Fn.join('-', ['custodian', Stack.of(this).account]) },
    }));
    const api = this.userPool.addResourceServer('Api', {
      identifier: 'custodian',
      scopes: machineRoles.map(
        (role) =>
          new cognito.ResourceServerScope({
            scopeName: role,
            scopeDescription: `Custodian role ${role}, for a machine client`,
          }),
      ),
    });
    this.machineClients = {} as CustodianIdentity['machineClients'];
    for (const role of machineRoles) {
      this.machineClients[role] = this.userPool.addClient(`${pascal(role)}MachineClient`, {
        generateSecret: true,
        oAuth: { flows: { clientCredentials: true }, scopes: [cognito.OAuthScope.custom(`custodian/${role}`)] },
        accessTokenValidity: Duration.hours(1),
        preventUserExistenceErrors: true,
      });
      this.machineClients[role].node.addDependency(api);
      new CfnOutput(this, `${pascal(role)}MachineClientId`, {
        value: this.machineClients[role].userPoolClientId,
        description: `Client id of the ${role} machine client (its secret: aws cognito-idp describe-user-pool-client)`,
      });
    }
    new CfnOutput(this, 'TokenEndpoint', {
      value: `${domain.baseUrl()}/oauth2/token`,
      description: 'Machine clients get their tokens here (grant_type=client_credentials)',
    });
  }

  /**
   * What a people's client (this one, the web pages') may read and write: it reads the customer
   * number, never writes it; only an admin call (steward, operator) sets it, once.
   */
  static peopleAttributes() {
    return {
      readAttributes: new cognito.ClientAttributes()
        .withStandardAttributes({ email: true, emailVerified: true })
        .withCustomAttributes(ECIF_ID_ATTRIBUTE.replace(/^custom:/, '')),
      writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ locale: true, timezone: true }),
    };
  }

  /** Every client whose tokens the API accepts (the JWT audience). */
  get audiences(): string[] {
    return [this.client.userPoolClientId, ...Object.values(this.machineClients).map((c) => c.userPoolClientId)];
  }

  /** The `iss` of the pool's tokens, as the JWT authorizer and the handlers check it. */
  get issuerUrl(): string {
    return `https://cognito-idp.${Stack.of(this).region}.${Stack.of(this).urlSuffix}/${this.userPool.userPoolId}`;
  }
}
