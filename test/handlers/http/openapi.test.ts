/**
 * OpenAPI: generated from the route table and the schemas that validate requests, valid by an
 * independent validator, and current (docs/openapi.json is what `npm run openapi` writes).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import SwaggerParser from '@apidevtools/swagger-parser';
import { openApiDocument } from '#handlers/http/openapi/document.ts';
import { routeContracts } from '#handlers/http/openapi/contracts.ts';
import { routeTable } from '#handlers/http/routes.ts';
import { assertContract } from '../../support/contract.ts';

const committed = JSON.parse(readFileSync(new URL('../../../docs/openapi.json', import.meta.url), 'utf8'));
const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('OpenAPI document', () => {
  it('docs/openapi.json is current (else: npm run openapi)', async () => {
    expect(committed).toEqual(openApiDocument(await routeContracts(), pkg.version));
  });

  it('is valid OpenAPI 3.1 for swagger-parser', async () => {
    const api = await SwaggerParser.validate(structuredClone(committed));
    expect((api as { openapi?: string }).openapi).toBe('3.1.0');
  });

  it.each(routeTable.map((r) => [`${r.method} ${r.path}`, r] as const))(
    'documents %s with its auth and problem responses',
    (_key, row) => {
      const op = committed.paths[row.path][row.method.toLowerCase()];
      expect(op.operationId).toBe(row.handler);
      expect(op['x-custodian-roles']).toEqual(row.roles);
      expect(op.responses['422'].content['application/problem+json']).toBeDefined();
      expect(op.security).toEqual(
        row.auth === 'jwt' ? [{ bearer: [] }] : row.auth === 'public' ? [{}, { bearer: [] }] : [{ hmac: [] }],
      );
    },
  );

  it('request bodies are the zod schemas: unknown fields refused in the document too', () => {
    const body = committed.paths['/v1/privacy-requests'].post.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(body.required).toEqual(expect.arrayContaining(['type', 'jurisdiction', 'identifiers']));
  });

  it('the contract check itself fails on a response that breaks the document', () => {
    expect(() =>
      assertContract('GET', '/health', 200, 'application/json', { status: 'ok', version: '1', dependencies: {} }),
    ).not.toThrow();
    expect(() => assertContract('GET', '/health', 200, 'application/json', { status: 'fine' })).toThrow(/health 200/);
    expect(() => assertContract('GET', '/health', 418, 'application/json', {})).toThrow(/does not list/);
    expect(() => assertContract('GET', '/health', 422, 'text/html', '')).toThrow(/answered text\/html/);
  });
});
