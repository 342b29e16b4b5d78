/**
 * The stateless stack, walked from the route table and the task table: one function per row,
 * every route wired with the right authorizer, and each function's IAM exactly what its row declares.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { Template } from 'aws-cdk-lib/assertions';
import { synthTemplates } from '#infra/synth.ts';
import { configSchema } from '#functions/config.ts';
import { machineRoles, routeTable, type Access, type TableName } from '#handlers/http/routes.ts';
import { auditVerificationTasks, workflowTasks } from '#handlers/tasks/tasks.ts';
import { loadTasks } from '#handlers/tasks/load-tasks.ts';
import { scheduledJobs } from '#handlers/scheduled/jobs.ts';
import { eventHandlers } from '#handlers/events/events.ts';
import {
  asArray,
  byMetadata,
  functionRole,
  resources,
  roleStatements,
  StackPair,
  type Resource,
  type Statement,
  type Template as Cfn,
} from './support.ts';

let pair: StackPair;
let raw: Cfn;
/** The alarms stack's template (infra/stacks/alarms.ts): it watches what the stateless stack exports. */
let alarmsRaw: Cfn;
let template: Template;

beforeAll(() => {
  const { stateful, stateless, alarms } = synthTemplates();
  pair = new StackPair(stateful as Cfn, stateless as Cfn);
  raw = stateless as Cfn;
  alarmsRaw = alarms as Cfn;
  template = Template.fromJSON(raw);
});

interface Row {
  id: string;
  tables: Partial<Record<TableName, Access>>;
  reports?: Access;
  connectors?: boolean;
  issuesSystemKeys?: boolean;
  startsWorkflow?: boolean;
  digests?: 'write';
  notifies?: boolean;
  publishesConsentChanges?: boolean;
  answersTasks?: boolean;
  startsLoad?: boolean;
  batchWrites?: boolean;
  startsAuditVerification?: boolean;
  auditKey?: 'sign' | 'read';
  auth?: string;
  stream?: boolean;
  idempotent?: boolean;
}

/** Every function the two tables ask for, by its `custodian:function` metadata. */
const rows: Row[] = [
  ...routeTable.map((r) => ({ ...r, id: `http:${r.handler}` })),
  ...Object.entries(workflowTasks).map(([name, spec]) => ({ ...spec, id: `task:${name}` })),
  ...Object.entries(loadTasks).map(([name, spec]) => ({ ...spec, id: `task:${name}` })),
  ...Object.entries(auditVerificationTasks).map(([name, spec]) => ({ ...spec, id: `task:${name}` })),
  ...Object.entries(scheduledJobs).map(([name, spec]) => ({ ...spec, id: `scheduled:${name}` })),
  ...Object.entries(eventHandlers).map(([name, spec]) => ({ ...spec, id: `event:${name}` })),
];

const fnResource = (row: Row) => raw.Resources![byMetadata(raw, 'custodian:function', row.id)] as Resource;

describe('functions', () => {
  it("one Lambda per route row and per task row, and no other (but the web pages' deploy-time publisher)", () => {
    const fns = resources(raw, 'AWS::Lambda::Function');
    expect(fns.map(([, r]) => r.Metadata?.['custodian:function']).sort()).toEqual(
      [...rows.map((r) => r.id), 'web:publish'].sort(),
    );
  });

  it.each(rows.map((r) => [r.id, r] as const))(
    '%s: nodejs22.x on arm64, traced, its own role, no managed policy but X-Ray writes',
    (_id, row) => {
      const fn = fnResource(row);
      expect(fn.Properties!.Runtime).toBe('nodejs22.x');
      expect(fn.Properties!.Architectures).toEqual(['arm64']);
      expect(fn.Properties!.Handler).toBe('index.handler');
      expect(fn.Properties!.TracingConfig).toEqual({ Mode: 'Active' });
      const role = raw.Resources![functionRole(fn)] as Resource;
      expect(JSON.stringify(role.Properties!.ManagedPolicyArns ?? [])).toBe(
        JSON.stringify([
          { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/AWSXRayDaemonWriteAccess']] },
        ]),
      );
      const shared = resources(raw, 'AWS::Lambda::Function').filter(([, r]) => functionRole(r) === functionRole(fn));
      expect(shared).toHaveLength(1);
    },
  );

  it.each(rows.map((r) => [r.id, r] as const))(
    '%s: the environment of functions/config.ts, per its row',
    (_id, row) => {
      const env = fnResource(row).Properties!.Environment.Variables as Record<string, unknown>;
      const known = new Set([
        ...Object.keys(configSchema.shape),
        'JWKS_URL',
        'JWT_ISSUER',
        'JWT_AUDIENCE',
        'NODE_OPTIONS',
      ]);
      for (const name of Object.keys(env)) expect(known, `unknown variable ${name}`).toContain(name);
      for (const name of [
        'TABLE_ECIF',
        'TABLE_CONSENT',
        'TABLE_REQUESTS',
        'TABLE_AUDIT',
        'IDENTIFIER_PEPPER_SECRET_ARN',
        'SERVICE_VERSION',
        'LOG_LEVEL',
      ]) {
        expect(env[name], name).toBeDefined();
      }
      for (const table of ['ecif', 'consent', 'requests', 'audit'] as const) {
        const imported = (env[`TABLE_${table.toUpperCase()}`] as any)['Fn::ImportValue'];
        expect(pair.exported(imported), table).toEqual({ Ref: byMetadata(pair.stateful, 'custodian:table', table) });
      }
      expect('REPORT_BUCKET' in env).toBe(Boolean(row.reports));
      expect('STATE_MACHINE_ARN' in env).toBe(Boolean(row.startsWorkflow));
      if (row.startsWorkflow)
        expect(env.STATE_MACHINE_ARN).toEqual({ Ref: byMetadata(raw, 'custodian:workflow', 'privacy-request') });
      expect('AUDIT_VERIFICATION_STATE_MACHINE_ARN' in env).toBe(Boolean(row.startsAuditVerification));
      if (row.startsAuditVerification)
        expect(env.AUDIT_VERIFICATION_STATE_MACHINE_ARN).toEqual({
          Ref: byMetadata(raw, 'custodian:workflow', 'audit-verification'),
        });
      // The audit key by ARN where the row uses it, nowhere else; never a key's material.
      expect('AUDIT_SIGNING_KEY_ID' in env).toBe(Boolean(row.auditKey));
      expect(env.AUDIT_SIGNING_KEY).toBeUndefined();
      // Public routes check an optional bearer token themselves; streamed ones (no authorizer on the REST API) a required one.
      expect('JWKS_URL' in env).toBe(row.auth === 'public' || Boolean(row.stream));
      expect('CORS_ALLOW_ORIGINS' in env).toBe(Boolean(row.stream));
      // Secrets by ARN only, never a value; the signing key only where systems are called.
      expect(env.IDENTIFIER_PEPPER).toBeUndefined();
      expect(env.CONNECTOR_SIGNING_SECRET).toBeUndefined();
      expect('CONNECTOR_SIGNING_SECRET_ARN' in env).toBe(Boolean(row.connectors));
      // A system's concurrency and rate limit hold over every instance where systems are called.
      expect(env.SYSTEM_LIMITS).toBe(row.connectors ? 'shared' : undefined);
      // Waiting for a slot takes a fifth of the function's time at most (then the step is retried).
      expect(env.SYSTEM_SLOT_WAIT_MS).toBe(
        row.connectors ? String((fnResource(row).Properties!.Timeout as number) * 200) : undefined,
      );
      // Systems' own secrets are looked for under this prefix, where the grant reaches (below).
      // (and the keys issued to systems are written there, by the routes that issue them).
      expect(env.CONNECTOR_SECRETS_PREFIX).toBe(
        row.connectors || row.issuesSystemKeys ? 'custodian/connectors/' : undefined,
      );
      // The call slots live in the requests table: those functions may take and give them back there.
      if (row.connectors) expect(row.tables.requests).toBe('write');
    },
  );
});

const buffered = routeTable.filter((r) => !('stream' in r && r.stream));
const streamed = routeTable.filter((r) => 'stream' in r && r.stream);

describe('HTTP API', () => {
  it('every row of the route table but the streamed ones is a route, and there are no others', () => {
    const keys = resources(raw, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties!.RouteKey);
    expect(keys.sort()).toEqual(buffered.map((r) => `${r.method} ${r.path}`).sort());
    expect(streamed.length).toBeGreaterThan(0);
    for (const r of streamed) expect(keys).not.toContain(`${r.method} ${r.path}`);
  });

  it("JWT authorization exactly on the jwt rows, integrated with the row's own function", () => {
    const routes = resources(raw, 'AWS::ApiGatewayV2::Route');
    const [authorizerId] = resources(raw, 'AWS::ApiGatewayV2::Authorizer').map(([id]) => id);
    for (const row of buffered) {
      const [, route] = routes.find(([, r]) => r.Properties!.RouteKey === `${row.method} ${row.path}`)!;
      if (row.auth === 'jwt') {
        expect(route.Properties!.AuthorizationType, row.path).toBe('JWT');
        expect(route.Properties!.AuthorizerId).toEqual({ Ref: authorizerId });
      } else {
        expect(route.Properties!.AuthorizationType, row.path).toBe('NONE');
        expect(route.Properties!.AuthorizerId).toBeUndefined();
      }
      const integrationId = route.Properties!.Target['Fn::Join'][1][1].Ref;
      const integration = raw.Resources![integrationId] as Resource;
      expect(integration.Properties!.IntegrationType).toBe('AWS_PROXY');
      expect(integration.Properties!.IntegrationUri).toEqual({
        'Fn::GetAtt': [byMetadata(raw, 'custodian:function', `http:${row.handler}`), 'Arn'],
      });
    }
  });

  it('the authorizer checks the user pool issuer and the app clients as audience (people and machines)', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
    const [, auth] = resources(raw, 'AWS::ApiGatewayV2::Authorizer')[0];
    expect(auth.Properties!.AuthorizerType).toBe('JWT');
    expect(auth.Properties!.IdentitySource).toEqual(['$request.header.Authorization']);
    const poolExport = Object.entries(pair.stateful.Outputs ?? {}).find(
      ([, o]) =>
        o.Export &&
        (o.Value as any)?.Ref?.startsWith('IdentityUserPool') &&
        !/Client|Domain/.test((o.Value as any).Ref),
    );
    // People's app client and every machine client (client credentials) are audiences.
    const clientExports = [
      'AppClient',
      ...machineRoles.map((r) => `${r[0].toUpperCase()}${r.slice(1)}MachineClient`),
    ].map((name) =>
      Object.entries(pair.stateful.Outputs ?? {}).find(
        ([, o]) => o.Export && (o.Value as any)?.Ref?.includes(name) && !(o.Value as any).Ref.includes('Secret'),
      ),
    );
    const webClient = resources(raw, 'AWS::Cognito::UserPoolClient')[0][0];
    expect(auth.Properties!.JwtConfiguration.Audience).toEqual([
      ...clientExports.map((e) => ({ 'Fn::ImportValue': e![1].Export!.Name })),
      { Ref: webClient },
    ]);
    const issuer = JSON.stringify(auth.Properties!.JwtConfiguration.Issuer);
    expect(issuer).toContain('https://cognito-idp.');
    expect(issuer).toContain(poolExport![1].Export!.Name);
  });

  it('alarms: failed and timed-out executions, API 5xx, overdue requests, unanswered system steps, and one per function, all to the encrypted topic', () => {
    expect(resources(raw, 'AWS::CloudWatch::Alarm')).toEqual([]);
    const alarms = resources(alarmsRaw, 'AWS::CloudWatch::Alarm').map(([, r]) => r.Properties!);
    const [topicId, topic] = resources(alarmsRaw, 'AWS::SNS::Topic')[0];
    expect(topic.Properties!.KmsMasterKeyId).toBeDefined();
    // 7: the streaming REST API's own 5xx beside the HTTP API's.
    expect(alarms).toHaveLength(7 + rows.length);
    for (const a of alarms) expect(a.AlarmActions).toEqual([{ Ref: topicId }]);
    const metrics = alarms.map((a) => `${a.Namespace}/${a.MetricName}`);
    expect(metrics).toEqual(
      expect.arrayContaining([
        'AWS/States/ExecutionsFailed',
        'AWS/States/ExecutionsTimedOut',
        'AWS/ApiGateway/5xx',
        'AWS/ApiGateway/5XXError',
        'AWS/SQS/ApproximateNumberOfMessagesVisible',
      ]),
    );
    expect(metrics.filter((m) => m === 'AWS/Lambda/Errors')).toHaveLength(rows.length);
    // Ours, from the functions' embedded metric lines: overdue requests, system steps not answered in time.
    expect(
      alarms.filter((a) => a.Namespace === 'Custodian').map((a) => [a.MetricName, a.Statistic, a.Dimensions]),
    ).toEqual(
      expect.arrayContaining([
        ['RequestsOverdue', 'Maximum', [{ Name: 'service', Value: 'custodian' }]],
        ['SystemStepsTimedOut', 'Sum', [{ Name: 'service', Value: 'custodian' }]],
      ]),
    );
  });

  it('scheduled jobs run from EventBridge rules, with retries and a dead-letter queue', () => {
    const rules = resources(raw, 'AWS::Events::Rule')
      .map(([, r]) => r.Properties!)
      .filter((r) => r.ScheduleExpression);
    expect(rules.map((r) => r.ScheduleExpression).sort()).toEqual(
      Object.values(scheduledJobs)
        .map((j) => j.schedule)
        .sort(),
    );
    for (const r of rules)
      expect(r.Targets[0]).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 2 },
        DeadLetterConfig: { Arn: expect.anything() },
      });
  });

  it('routes open without a token get their own, tighter throttle', () => {
    const [, stage] = resources(raw, 'AWS::ApiGatewayV2::Stage')[0];
    const settings = stage.Properties!.RouteSettings as Record<
      string,
      { ThrottlingRateLimit: number; ThrottlingBurstLimit: number }
    >;
    const open = routeTable.filter((r) => r.auth !== 'jwt').map((r) => `${r.method} ${r.path}`);
    expect(Object.keys(settings).sort()).toEqual(open.sort());
    for (const key of open)
      expect(settings[key].ThrottlingRateLimit).toBeLessThan(
        stage.Properties!.DefaultRouteSettings.ThrottlingRateLimit,
      );
  });

  it('has one auto-deployed default stage with access logs and throttling', () => {
    template.resourceCountIs('AWS::ApiGatewayV2::Stage', 1);
    const [, stage] = resources(raw, 'AWS::ApiGatewayV2::Stage')[0];
    expect(stage.Properties!.StageName).toBe('$default');
    expect(stage.Properties!.AutoDeploy).toBe(true);
    expect(stage.Properties!.AccessLogSettings.DestinationArn['Fn::GetAtt'][1]).toBe('Arn');
    expect(JSON.parse(stage.Properties!.AccessLogSettings.Format)).toHaveProperty('requestId', '$context.requestId');
    expect(stage.Properties!.DefaultRouteSettings).toMatchObject({ ThrottlingRateLimit: expect.any(Number) });
  });
});

describe('streaming REST API (the rows marked stream: the audit export)', () => {
  const restApiId = () => resources(raw, 'AWS::ApiGateway::RestApi')[0][0];
  const methods = () => resources(raw, 'AWS::ApiGateway::Method');
  const pathOf = (resourceId: string): string => {
    const r = raw.Resources![resourceId] as Resource;
    const parent = r.Properties!.ParentId;
    const prefix = parent['Fn::GetAtt'] ? '' : pathOf(parent.Ref);
    return `${prefix}/${r.Properties!.PathPart}`;
  };

  it("one method per streamed row, its Lambda proxy integration in STREAM mode through InvokeWithResponseStream, on the row's own function", () => {
    const real = methods().filter(([, m]) => m.Properties!.HttpMethod !== 'OPTIONS');
    expect(real.map(([, m]) => `${m.Properties!.HttpMethod} ${pathOf(m.Properties!.ResourceId.Ref)}`).sort()).toEqual(
      streamed.map((r) => `${r.method} ${r.path}`).sort(),
    );
    for (const row of streamed) {
      const [, m] = real.find(([, m]) => pathOf(m.Properties!.ResourceId.Ref) === row.path)!;
      const integration = m.Properties!.Integration;
      expect(integration.Type).toBe('AWS_PROXY');
      expect(integration.ResponseTransferMode).toBe('STREAM');
      expect(integration.TimeoutInMillis).toBe(15 * 60_000);
      const uri = JSON.stringify(integration.Uri);
      expect(uri).toContain(':lambda:path/2021-11-15/functions/');
      expect(uri).toContain('/response-streaming-invocations');
      expect(uri).toContain(byMetadata(raw, 'custodian:function', `http:${row.handler}`));
      // No API Gateway authorizer: the chain checks the token (the function gets the issuer's keys).
      expect(m.Properties!.AuthorizationType).toBe('NONE');
      // Nothing required at API Gateway: a bad or missing range is the chain's problem details, not API Gateway's own 400.
      expect(m.Properties!.RequestParameters).toBeUndefined();
      expect(m.Properties!.RequestValidatorId).toBeDefined();
      const fn = fnResource({ ...row, id: `http:${row.handler}` }).Properties!;
      expect(fn.Timeout).toBe(900);
      expect(Object.keys(fn.Environment.Variables)).toEqual(
        expect.arrayContaining(['JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE', 'CORS_ALLOW_ORIGINS']),
      );
    }
  });

  it("no other integration anywhere streams: the HTTP API's are plain Lambda proxies (payload 2.0)", () => {
    for (const [, i] of resources(raw, 'AWS::ApiGatewayV2::Integration')) {
      expect(i.Properties!.IntegrationType).toBe('AWS_PROXY');
      expect(i.Properties!.IntegrationUri['Fn::GetAtt']?.[1]).toBe('Arn');
      expect(JSON.stringify(i.Properties)).not.toContain('response-streaming');
    }
    const streaming = methods().filter(([, m]) => m.Properties!.Integration?.ResponseTransferMode === 'STREAM');
    expect(streaming).toHaveLength(streamed.length);
    expect(resources(raw, 'AWS::ApiGateway::RestApi')).toHaveLength(1);
  });

  it('its stage logs access (no bodies, headers or queries) and is throttled; CORS preflight for the pages only', () => {
    const [, stage] = resources(raw, 'AWS::ApiGateway::Stage')[0];
    expect(stage.Properties!.AccessLogSetting.DestinationArn['Fn::GetAtt'][1]).toBe('Arn');
    const format = JSON.parse(stage.Properties!.AccessLogSetting.Format);
    expect(format).toHaveProperty('requestId', '$context.requestId');
    expect(JSON.stringify(format)).not.toMatch(/querystring|header|body/i);
    expect(stage.Properties!.MethodSettings[0]).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
    const options = methods().filter(([, m]) => m.Properties!.HttpMethod === 'OPTIONS');
    expect(options.length).toBeGreaterThan(0);
    for (const [, m] of options) expect(m.Properties!.Integration.Type).toBe('MOCK');
    const webUrl = JSON.stringify(options.map(([, m]) => m.Properties!.Integration.IntegrationResponses));
    expect(webUrl).toContain('Access-Control-Allow-Origin');
  });

  it("its 5xx pages the alarm topic, as the HTTP API's do", () => {
    const [, restApi] = resources(raw, 'AWS::ApiGateway::RestApi')[0];
    const alarms = resources(alarmsRaw, 'AWS::CloudWatch::Alarm')
      .map(([, r]) => r.Properties!)
      .filter((a) => a.MetricName === '5XXError');
    expect(alarms).toHaveLength(1);
    expect(alarms[0].Namespace).toBe('AWS/ApiGateway');
    expect(alarms[0].Dimensions).toEqual([{ Name: 'ApiName', Value: restApi.Properties!.Name }]);
  });

  it('its URL is a stack output, and the pages are told it', () => {
    const outputs = Object.entries(raw.Outputs ?? {}).filter(([, o]) => JSON.stringify(o.Value).includes(restApiId()));
    expect(outputs.map(([k]) => k)).toEqual([expect.stringContaining('ExportApiUrl')]);
    // config.json of the pages (the deployment's source markers) names the REST API's URL beside the HTTP API's.
    const [, publish] = resources(raw, 'Custom::CDKBucketDeployment')[0];
    expect(JSON.stringify(publish.Properties!.SourceMarkers)).toContain(`{"Ref":"${restApiId()}"}`);
  });
});

// The least-privilege contract, written from the brief rather than from the construct's own constants.
const expectedTableActions = (table: TableName, access: Access): string[] => {
  const read = ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem'];
  if (table === 'audit')
    return access === 'write'
      ? ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:Query']
      : ['dynamodb:GetItem', 'dynamodb:Query'];
  if (access === 'read') return read;
  return [...read, 'dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
};

/** Allowed actions grouped by what they apply to. */
function grants(statements: Statement[]) {
  const byTable = new Map<TableName, Set<string>>();
  const byIndex = new Map<string, Set<string>>();
  const other: { action: string; target: ReturnType<StackPair['target']>; statement: Statement }[] = [];
  for (const s of statements) {
    expect(s.Effect).toBe('Allow');
    for (const res of asArray(s.Resource)) {
      const target = pair.target(res);
      for (const action of asArray(s.Action)) {
        if (target.kind === 'table') byTable.set(target.table, (byTable.get(target.table) ?? new Set()).add(action));
        else if (target.kind === 'index')
          byIndex.set(
            `${target.table}/${target.index}`,
            (byIndex.get(`${target.table}/${target.index}`) ?? new Set()).add(action),
          );
        else other.push({ action, target, statement: s });
      }
    }
  }
  return { byTable, byIndex, other };
}

describe('least privilege, table-driven', () => {
  it.each(rows.map((r) => [r.id, r] as const))('%s: table actions are exactly what its row declares', (_id, row) => {
    const statements = roleStatements(raw, functionRole(fnResource(row)));
    const { byTable, byIndex } = grants(statements);
    // The idempotency table: item reads and writes for the rows that honour Idempotency-Key, nothing else.
    const idempotency = byTable.get('idempotency' as TableName);
    byTable.delete('idempotency' as TableName);
    expect(idempotency && [...idempotency].sort()).toEqual(
      row.idempotent
        ? ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem']
        : undefined,
    );
    const declared = Object.entries(row.tables) as [TableName, Access][];
    expect([...byTable.keys()].sort()).toEqual(declared.map(([t]) => t).sort());
    for (const [table, access] of declared) {
      // A load batch's profiles and cross-references go in BatchWriteItem calls, on the ECIF table only.
      const batch = row.batchWrites && table === 'ecif' ? ['dynamodb:BatchWriteItem'] : [];
      expect([...byTable.get(table)!].sort(), `${table}`).toEqual(
        [...expectedTableActions(table, access), ...batch].sort(),
      );
    }
    // Query on the requests table reaches its GSI; no index on a table the row does not declare.
    for (const [key, actions] of byIndex) {
      const table = key.split('/')[0] as TableName;
      expect(row.tables[table], key).toBeDefined();
      expect([...actions].sort()).toEqual([...byTable.get(table)!].sort());
    }
    if (row.tables.requests) expect(byIndex.has('requests/GSI1')).toBe(true);
  });

  it.each(rows.map((r) => [r.id, r] as const))(
    '%s: nothing beyond its row, its logs, the pepper and the key',
    (_id, row) => {
      const fn = fnResource(row);
      const logGroupId = fn.Properties!.LoggingConfig.LogGroup.Ref;
      const { other } = grants(roleStatements(raw, functionRole(fn)));
      const seen = new Set<string>();
      for (const { action, target, statement } of other) {
        const where = `${action} on ${JSON.stringify(target)}`;
        switch (target.kind) {
          case 'local':
            if (target.logicalId === logGroupId)
              expect(['logs:CreateLogStream', 'logs:PutLogEvents'], where).toContain(action);
            else if (raw.Resources![target.logicalId].Type === 'AWS::Events::EventBus') {
              // consent.changed: put events on the consent bus, nothing else.
              expect(row.publishesConsentChanges, where).toBe(true);
              expect(action).toBe('events:PutEvents');
              seen.add('consent-bus');
              continue;
            } else if (action !== 'states:StartExecution') {
              // Callbacks and manual tasks answer the waiting step, nothing else.
              expect(row.answersTasks, where).toBe(true);
              expect(raw.Resources![target.logicalId].Type).toBe('AWS::StepFunctions::StateMachine');
              expect(['states:SendTaskSuccess', 'states:SendTaskFailure', 'states:SendTaskHeartbeat']).toContain(
                action,
              );
              seen.add('task-response');
              continue;
            } else if (raw.Resources![target.logicalId].Metadata?.['custodian:workflow'] === 'audit-verification') {
              expect(row.startsAuditVerification, where).toBe(true);
              seen.add('audit-verification');
              continue;
            } else {
              // The privacy-request workflow, or the ECIF load: each only where the row says it.
              const machine = raw.Resources![target.logicalId];
              expect(machine.Type).toBe('AWS::StepFunctions::StateMachine');
              const workflow = machine.Metadata?.['custodian:workflow'];
              expect(workflow === 'ecif-load' ? row.startsLoad : row.startsWorkflow, where).toBe(true);
              if (workflow === 'ecif-load') {
                seen.add('load');
                continue;
              }
            }
            break;
          case 'audit-key':
            // Sign and read the public half, or read it only: never decrypt, never administer.
            expect(row.auditKey, where).toBeDefined();
            expect(row.auditKey === 'sign' ? ['kms:Sign', 'kms:GetPublicKey'] : ['kms:GetPublicKey'], where).toContain(
              action,
            );
            break;
          case 'secret':
            expect(action, where).toBe('secretsmanager:GetSecretValue');
            // The webhook signing key only where systems are called.
            if (target.secret === 'connector-signing') expect(row.connectors, where).toBe(true);
            seen.add(target.secret);
            break;
          case 'key':
            expect(['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey', 'kms:DescribeKey'], where).toContain(action);
            // Only through the services that hold the data.
            expect(Object.keys(statement.Condition?.StringEquals ?? {})).toEqual(['kms:ViaService']);
            break;
          case 'bucket-objects':
            expect(row.reports, where).toBeDefined();
            expect(row.reports === 'write' ? ['s3:GetObject', 's3:PutObject'] : ['s3:GetObject'], where).toContain(
              action,
            );
            break;
          case 'digest-objects':
            expect(row.digests, where).toBe('write');
            expect(action, where).toBe('s3:PutObject');
            break;
          case 'system-secrets':
            if (target.pattern === 'custodian/connectors/http/systems/*') {
              // Issuing systems their keys: create and new versions, only of issued keys.
              expect(row.issuesSystemKeys, where).toBe(true);
              expect(['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue'], where).toContain(action);
              seen.add('issued-keys');
              continue;
            }
            // Systems' own secrets: read only, only under the one prefix.
            expect(row.connectors, where).toBe(true);
            expect(target.pattern).toBe('custodian/connectors/*');
            expect(action, where).toBe('secretsmanager:GetSecretValue');
            break;
          case 'connected-tables':
            expect(row.connectors, where).toBe(true);
            expect(target.pattern).toBe('custodian-connected-*');
            expect(['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'], where).toContain(action);
            break;
          case 'ses-identity':
            // Requester notices: send only, only as the configured sender's domain.
            expect(row.notifies, where).toBe(true);
            expect(action, where).toBe('ses:SendEmail');
            expect(target.identity).toBe('example.com');
            break;
          default:
            throw new Error(`unexpected grant: ${where}`);
        }
        seen.add(target.kind === 'local' && target.logicalId !== logGroupId ? 'workflow' : target.kind);
      }
      expect(seen.has('pepper')).toBe(true);
      expect(seen.has('connector-signing')).toBe(Boolean(row.connectors));
      expect(seen.has('key')).toBe(true);
      expect(seen.has('workflow')).toBe(Boolean(row.startsWorkflow));
      expect(seen.has('load')).toBe(Boolean(row.startsLoad));
      expect(seen.has('bucket-objects')).toBe(Boolean(row.reports));
      expect(seen.has('connected-tables')).toBe(Boolean(row.connectors));
      expect(seen.has('system-secrets')).toBe(Boolean(row.connectors));
      expect(seen.has('digest-objects')).toBe(Boolean(row.digests));
      expect(seen.has('ses-identity')).toBe(Boolean(row.notifies));
      expect(seen.has('consent-bus')).toBe(Boolean(row.publishesConsentChanges));
      expect(seen.has('task-response')).toBe(Boolean(row.answersTasks));
      expect(seen.has('audit-verification')).toBe(Boolean(row.startsAuditVerification));
      expect(seen.has('audit-key')).toBe(Boolean(row.auditKey));
      expect(seen.has('issued-keys')).toBe(Boolean(row.issuesSystemKeys));
    },
  );

  it('no policy anywhere allows dynamodb:Scan, a dynamodb wildcard, or any "*" action', () => {
    for (const [id, p] of resources(raw, 'AWS::IAM::Policy')) {
      for (const s of p.Properties!.PolicyDocument.Statement as Statement[]) {
        for (const action of asArray(s.Action)) {
          expect(action, id).not.toBe('dynamodb:Scan');
          expect(action, id).not.toMatch(/^dynamodb:.*\*/);
          expect(action, id).not.toBe('*');
        }
      }
    }
  });

  it("Secrets Manager: GetSecretValue only, on the two stack secrets and on systems' secrets under custodian/connectors/ alone; issued keys written under custodian/connectors/http/systems/ alone", () => {
    let systemGrants = 0;
    let issuing = 0;
    for (const [id, p] of resources(raw, 'AWS::IAM::Policy')) {
      for (const s of p.Properties!.PolicyDocument.Statement as Statement[]) {
        const actions = asArray(s.Action).filter((a) => a.startsWith('secretsmanager:'));
        if (actions.length === 0) continue;
        if (s.Sid === 'IssueSystemKeys') {
          expect(actions, id).toEqual(['secretsmanager:CreateSecret', 'secretsmanager:PutSecretValue']);
          expect(asArray(s.Resource).map((r) => pair.target(r))).toEqual([
            expect.objectContaining({ kind: 'system-secrets', pattern: 'custodian/connectors/http/systems/*' }),
          ]);
          issuing++;
          continue;
        }
        expect(actions, id).toEqual(['secretsmanager:GetSecretValue']);
        for (const res of asArray(s.Resource)) {
          const target = pair.target(res);
          if (target.kind === 'system-secrets') {
            expect(target.pattern, id).toBe('custodian/connectors/*');
            // Exactly arn:<partition>:secretsmanager:<this region>:<this account>:secret:custodian/connectors/*
            expect(res).toEqual({
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':secretsmanager:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':secret:custodian/connectors/*',
                ],
              ],
            });
            systemGrants++;
          } else expect(target.kind, `${id}: ${JSON.stringify(res)}`).toBe('secret');
        }
      }
    }
    expect(systemGrants).toBe(rows.filter((r) => r.connectors).length);
    expect(issuing).toBe(rows.filter((r) => r.issuesSystemKeys).length);
  });

  it('no policy anywhere allows UpdateItem or DeleteItem on the audit table (append-only)', () => {
    for (const [id, p] of resources(raw, 'AWS::IAM::Policy')) {
      for (const s of p.Properties!.PolicyDocument.Statement as Statement[]) {
        const onAudit = asArray(s.Resource).some((r) => {
          const t = pair.target(r);
          return (t.kind === 'table' || t.kind === 'index') && t.table === 'audit';
        });
        if (!onAudit) continue;
        expect(asArray(s.Action), id).not.toContain('dynamodb:UpdateItem');
        expect(asArray(s.Action), id).not.toContain('dynamodb:DeleteItem');
        expect(asArray(s.Action), id).not.toContain('dynamodb:BatchWriteItem');
      }
    }
  });
});
