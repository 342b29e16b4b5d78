/**
 * Tracing as X-Ray receives it: the functions run in Lambda's environment (its variables, the trace
 * header of an invocation) and send their subsegments to a UDP listener standing for the X-Ray daemon.
 * The route's handler subsegment carries its annotations (route, requestId); an SDK call through the
 * composition root (SES, in moto) is its own subsegment; so is a call to a connected system,
 * annotated with the system. No response body is recorded.
 */
import { createSocket, type Socket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { composeWith, pointSdkAtMoto, startMoto, type Moto } from '../../support/moto.ts';

let daemon: Socket;
let moto: Moto;
let restore: () => void;
const segments: Record<string, any>[] = [];

beforeAll(async () => {
  daemon = createSocket('udp4');
  daemon.on('message', (msg) => segments.push(JSON.parse(msg.toString('utf8').split('\n')[1]!)));
  await new Promise<void>((r) => daemon.bind(0, '127.0.0.1', r));
  // What Lambda sets for an invocation with active tracing.
  Object.assign(process.env, {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
    AWS_LAMBDA_FUNCTION_NAME: 'custodian-trace-test',
    LAMBDA_TASK_ROOT: '/var/task',
    _HANDLER: 'index.handler',
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${(daemon.address() as AddressInfo).port}`,
  });
  moto = await startMoto();
  restore = pointSdkAtMoto(moto);
  await new SESv2Client(moto.clientConfig).send(
    new CreateEmailIdentityCommand({ EmailIdentity: 'privacy@bank.example' }),
  );
  await composeWith({ OUTBOX: 'ses', SES_FROM: 'privacy@bank.example' });
});
afterAll(async () => {
  restore?.();
  for (const name of [
    'AWS_EXECUTION_ENV',
    'AWS_LAMBDA_FUNCTION_NAME',
    'LAMBDA_TASK_ROOT',
    '_HANDLER',
    '_X_AMZN_TRACE_ID',
  ])
    delete process.env[name];
  daemon?.close();
  await moto?.stop();
});

const received = async (pred: (s: Record<string, any>) => boolean) => {
  for (let i = 0; i < 100 && !segments.some(pred); i++) await new Promise((r) => setTimeout(r, 20));
  return segments.find(pred);
};

describe('X-Ray subsegments', () => {
  it("an HTTP route's handler subsegment carries the route and the request id, and no response", async () => {
    const { handler } = await import('#handlers/http/retry-privacy-request.ts');
    const event = {
      version: '2.0',
      routeKey: 'POST /v1/privacy-requests/{id}/retry',
      rawPath: '/v1/privacy-requests/01M90YD8ZD9ERBNZQMSWJJ81B7/retry',
      headers: {},
      pathParameters: { id: '01M90YD8ZD9ERBNZQMSWJJ81B7' },
      requestContext: {
        requestId: 'r1',
        http: { method: 'POST', path: '/v1/privacy-requests/x/retry', sourceIp: '127.0.0.1' },
      },
    } as unknown as APIGatewayProxyEventV2;
    // No authorizer claims: refused before any store is read.
    const res = (await handler(event as never, {} as never)) as { statusCode: number };
    expect(res.statusCode).toBe(401);
    const sub = await received((s) => s.name === '## index.handler');
    expect(sub?.annotations).toMatchObject({
      route: 'POST /v1/privacy-requests/{id}/retry',
      requestId: '01M90YD8ZD9ERBNZQMSWJJ81B7',
      Service: 'custodian',
    });
    expect(JSON.stringify(sub)).not.toContain('index.handler response');
  });

  it('an SDK call through the composition root is a subsegment of its service', async () => {
    const { deps } = await import('#handlers/deps.ts');
    await (await deps()).outbox.send({
      requestId: 'REQ-T',
      to: { email: 'someone@mail.example' },
      notice: { kind: 'acknowledged', type: 'access', dueAt: '2027-01-01T00:00:00.000Z' },
    });
    const sub = await received((s) => s.namespace === 'aws' && s.aws?.operation === 'SendEmail');
    expect(sub).toMatchObject({ name: 'SESv2' });
  });

  it('a call to a connected system is a subsegment annotated with the system', async () => {
    const { tracedConnector } = await import('#handlers/middleware/tracing.ts');
    const connector = tracedConnector(
      { execute: async () => ({ recordsAffected: 1, fieldsChanged: ['email'] }) },
      'crm',
    );
    await connector.execute({} as never);
    const sub = await received((s) => s.name === 'connector crm');
    expect(sub?.annotations).toEqual({ systemId: 'crm', operation: 'execute' });
  });
});
