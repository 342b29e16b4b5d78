/**
 * What the Lambda Node.js runtime gives a response-streaming handler, for the local runtime:
 * the global `awslambda.streamifyResponse` (marks the handler as streaming) and
 * `awslambda.HttpResponseStream.from` (status and headers ahead of the body), and the stream such a
 * handler writes to. Installed only where the real runtime is absent; @middy/core's streaming mode
 * calls them as it does in Lambda, so the same handler code runs in both.
 */
import { Writable } from 'node:stream';

const STREAMING = Symbol.for('aws.lambda.runtime.handler.streaming');

/** What HttpResponseStream.from puts ahead of the body. */
export interface Prelude {
  statusCode?: number;
  headers?: Record<string, string | number | boolean>;
  multiValueHeaders?: Record<string, Array<string | number | boolean>>;
  cookies?: string[];
}

export type StreamingHandler = (event: unknown, responseStream: Writable, context: unknown) => Promise<unknown>;

export function isStreamingHandler(handler: unknown): handler is StreamingHandler {
  return typeof handler === 'function' && (handler as unknown as Record<symbol, unknown>)[STREAMING] === 'response';
}

export interface ResponseSink {
  /** Once, before the first body byte (or at the end of an empty body). */
  head(prelude: Prelude): void;
  /** Resolves when the sink can take more (backpressure). */
  write(chunk: Buffer): boolean | Promise<void>;
}

/** The response stream a streaming handler gets: the prelude goes out before the first byte. */
export class ResponseStream extends Writable {
  prelude: Prelude = { statusCode: 200 };
  private headed = false;

  constructor(private readonly sink: ResponseSink) {
    super();
  }

  private head() {
    if (this.headed) return;
    this.headed = true;
    this.sink.head(this.prelude);
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.head();
    if (chunk.length === 0) {
      done();
      return;
    }
    const wrote = this.sink.write(chunk);
    if (wrote === true || wrote === false) {
      done();
      return;
    }
    wrote.then(() => done(), done);
  }

  override _final(done: (error?: Error | null) => void): void {
    this.head();
    done();
  }
}

// The AWS SDK makes an empty `awslambda` of its own (its invoke store): fill in what is missing.
const g = globalThis as { awslambda?: Record<string, unknown> };
const runtime = (g.awslambda ??= {});
runtime.streamifyResponse ??= <F extends object>(handler: F): F => Object.assign(handler, { [STREAMING]: 'response' });
runtime.HttpResponseStream ??= {
  from(stream: ResponseStream, prelude: Prelude): ResponseStream {
    stream.prelude = prelude;
    return stream;
  },
};

/** Runs a streaming handler to the end and answers as a buffered Invoke of it would: one structured result. */
export async function invokeBuffered(
  handler: StreamingHandler,
  event: unknown,
  context: unknown = {},
): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> {
  let prelude: Prelude = {};
  const chunks: Buffer[] = [];
  const stream = new ResponseStream({ head: (p) => (prelude = p), write: (c) => (chunks.push(c), true) });
  await handler(event, stream, context);
  const headers = Object.fromEntries(
    Object.entries(prelude.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]),
  );
  return { statusCode: prelude.statusCode ?? 200, headers, body: Buffer.concat(chunks).toString('utf8') };
}
