/** `npm run openapi`: writes docs/openapi.json from the route table and its zod schemas. */
// The streamed route's module asks for Lambda's `awslambda` as it loads: the local one stands in.
import '#infra/local/lambda-streaming.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { openApiDocument } from '#handlers/http/openapi/document.ts';
import { routeContracts } from '#handlers/http/openapi/contracts.ts';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};
const doc = openApiDocument(await routeContracts(), version);
writeFileSync(new URL('../docs/openapi.json', import.meta.url), `${JSON.stringify(doc, null, 2)}\n`);
console.log(`docs/openapi.json: ${Object.keys(doc.paths as object).length} paths`);
