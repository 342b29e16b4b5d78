/**
 * X-Ray tracing (Powertools Tracer) for every function: the handler as a subsegment, each AWS SDK
 * client captured (DynamoDB, Step Functions, S3, SES, EventBridge, Secrets Manager), each call to a
 * connected system its own subsegment, and the annotations an operator searches by: route,
 * requestId, systemId. Never a response body, never a value about a person (captureResponse off).
 * Off outside Lambda (Powertools checks the execution environment): locally every call is a no-op.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import type { Context } from 'aws-lambda';
import type { Connector } from '#core/connectors/connector.ts';

export const tracer = new Tracer({ serviceName: 'custodian' });

/** The Powertools middleware, without the response (it may hold personal data). */
export const traceHandler = () => captureLambdaHandler(tracer, { captureResponse: false });

/** Ids only: a value that is no plain id is not annotated. */
const ID = /^[A-Za-z0-9_.:-]{1,128}$/;

export function annotate(annotations: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(annotations))
    if (typeof value === 'string' && ID.test(value)) tracer.putAnnotation(key, value);
}

/** Annotates a handler's subsegment from its event (after traceHandler opened it). */
export const annotateFrom = <E>(pick: (event: E) => Record<string, unknown>): MiddlewareObj<E> => ({
  before: (request) => annotate(pick(request.event)),
});

/** A task, scheduled job or trigger: traced, annotated with the ids its input carries. */
export function tracedHandler<E, R>(run: (event: E) => Promise<R>): (event?: E, context?: Context) => Promise<R> {
  const handler = middy<E, R>()
    .use(traceHandler() as MiddlewareObj<E, R>)
    .use(
      annotateFrom<E>((e) => {
        const input = (e ?? {}) as Record<string, unknown>;
        return { requestId: input.requestId, systemId: input.systemId };
      }),
    )
    .handler((event: E) => run(event));
  // Invoked without a context by the local runtime and the tests; Lambda always passes one.
  return (event, context) => handler(event as E, context ?? ({} as Context));
}

/** An SDK client whose calls show as subsegments (returned as is when tracing is off). */
export const captureClient = <T>(client: T): T => tracer.captureAWSv3Client(client as never) as T;

/** Each call to a connected system as a subsegment `connector <systemId>`, annotated with the system. */
export function tracedConnector(connector: Connector, systemId: string): Connector {
  if (!tracer.isTracingEnabled()) return connector;
  const wrap =
    <A extends unknown[], R>(method: string, fn: (...args: A) => Promise<R>) =>
    (...args: A): Promise<R> =>
      tracer.provider.captureAsyncFunc(`connector ${systemId}`, async (sub): Promise<R> => {
        sub?.addAnnotation('systemId', systemId);
        sub?.addAnnotation('operation', method);
        try {
          return await fn(...args);
        } catch (err) {
          sub?.addError(err as Error, true);
          throw err;
        } finally {
          sub?.close();
        }
      }) as Promise<R>;
  return {
    execute: wrap('execute', connector.execute.bind(connector)),
    ...(connector.start ? { start: wrap('start', connector.start.bind(connector)) } : {}),
    ...(connector.verify ? { verify: wrap('verify', connector.verify.bind(connector)) } : {}),
    ...(connector.slowedUntil ? { slowedUntil: connector.slowedUntil.bind(connector) } : {}),
  };
}
