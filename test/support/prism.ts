/**
 * Prism (@stoplight/prism-cli) as a local mock of a vendor's API description, validation on, behind a
 * small recording proxy: every request that reaches it is kept with Prism's verdict (its
 * `sl-violations` header), so a test fails on any request the description does not allow.
 */
import { createLogger } from '@stoplight/prism-core';
import { getHttpOperationsFromSpec } from '@stoplight/prism-http';
import { createServer as createPrismServer } from '@stoplight/prism-http-server';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

export interface PrismRequest {
  method: string;
  url: string;
  status: number;
  /** Prism's findings: empty when the request is as the description says. */
  violations: { location: string[]; severity: string; message: string }[];
  /** Prism's own refusal (an invalid request under --errors, no such path or method): its problem type and detail. */
  refusal?: string;
}

export interface PrismMock {
  url: string;
  requests: PrismRequest[];
  stop(): Promise<void>;
}

/** Prism answers its own errors as problem documents of type https://stoplight.io/prism/errors#<CODE>. */
function refusalOf(body: Buffer): { refusal?: string } {
  try {
    const problem = JSON.parse(body.toString('utf8')) as {
      type?: string;
      detail?: string;
      validation?: { location?: string[] }[];
    };
    // A violation of the answer is the vendor's example at fault, not our request.
    const requestFault =
      !problem?.type?.endsWith('#VIOLATIONS') || (problem.validation ?? []).some((v) => v.location?.[0] === 'request');
    if (
      typeof problem?.type === 'string' &&
      problem.type.startsWith('https://stoplight.io/prism/errors#') &&
      requestFault
    )
      return {
        refusal: `${problem.type.split('#')[1]}: ${problem.detail ?? ''} ${JSON.stringify(problem.validation ?? '')}`,
      };
  } catch {}
  return {};
}

/**
 * Prism's own HTTP server (the one `prism mock` runs), in this process: a child `prism` CLI each
 * costs seconds of CPU to load. `dynamic`: answers generated from the schemas, for a description
 * whose own examples do not match them.
 */
export async function startPrism(description: string, opts: { dynamic?: boolean } = {}): Promise<PrismMock> {
  const operations = await getHttpOperationsFromSpec(path.resolve(description));
  const prism = createPrismServer(operations, {
    cors: false,
    config: {
      validateRequest: true,
      validateResponse: true,
      checkSecurity: true,
      errors: true,
      isProxy: false,
      upstreamProxy: undefined,
      mock: { dynamic: !!opts.dynamic },
    },
    components: { logger: createLogger('PRISM', { level: 'silent' }) },
  });
  const port = Number(new URL(await prism.listen(0, '127.0.0.1')).port);
  const requests: PrismRequest[] = [];
  const proxy: Server = createServer((req, res) => {
    const upstream = request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          const body = Buffer.concat(chunks);
          const header = answer.headers['sl-violations'];
          requests.push({
            method: req.method ?? '',
            url: req.url ?? '',
            status: answer.statusCode ?? 0,
            violations: header ? JSON.parse(String(header)) : [],
            ...refusalOf(body),
          });
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(body);
        });
      },
    );
    upstream.on('error', () => res.writeHead(502).end());
    req.pipe(upstream);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    requests,
    stop: async () => {
      await new Promise((r) => proxy.close(r));
      await prism.close();
    },
  };
}
