/**
 * `npm start`: the whole system on this machine with the demo loaded, until Ctrl-C.
 *
 *   PORT=3000 npm start -- [--persist DIR] [--dynamo-port N] [--sfn-port N] [--s3-port N] [--crm-port N] [--marketing-port N] [--warehouse-port N] [--seed N] [--customers N]
 *
 * The demo warehouse is the PostgreSQL server at WAREHOUSE_URL (table WAREHOUSE_TABLE) when set, else embedded PGlite.
 */
import './lambda-streaming.ts';
import { parseArgs } from 'node:util';
import { roles } from '#handlers/http/routes.ts';
import { startDemo } from './demo/start.ts';
import { startDemoWarehouse } from './demo/warehouse.ts';
import { signDevToken } from './dev-issuer.ts';
import { startLocalRuntime } from './runtime.ts';

const { values } = parseArgs({
  options: {
    persist: { type: 'string' },
    'dynamo-port': { type: 'string' },
    'sfn-port': { type: 'string' },
    's3-port': { type: 'string' },
    'crm-port': { type: 'string' },
    'marketing-port': { type: 'string' },
    'warehouse-port': { type: 'string' },
    seed: { type: 'string', default: '42' },
    customers: { type: 'string', default: '60' },
    quiet: { type: 'boolean', default: false },
  },
});

const port = (v: string | undefined) => (v === undefined ? undefined : Number.parseInt(v, 10));
// Request lines start once the demo is loaded: seeding would print one per customer.
let ready = false;
const log = (m: string) => {
  if (ready && !values.quiet) console.log(`  ${m}`);
};

const started = Date.now();
console.log('Custodian: starting the local runtime (DynamoDB Local, Step Functions, S3, HTTP API)...');
// PGlite takes a second or two to start: it does so while the runtime starts.
const warehouse = startDemoWarehouse({
  url: process.env.WAREHOUSE_URL || undefined,
  table: process.env.WAREHOUSE_TABLE || undefined,
  port: port(values['warehouse-port']),
  persist: values.persist,
});
const runtime = await startLocalRuntime({
  port: port(process.env.PORT) ?? 3000,
  dynamoPort: port(values['dynamo-port']),
  sfnPort: port(values['sfn-port']),
  s3Port: port(values['s3-port']),
  persist: values.persist,
  log,
}).catch(async (err) => {
  await (await warehouse.catch(() => undefined))?.stop();
  throw err;
});
const demo = await startDemo(runtime, {
  crmPort: port(values['crm-port']),
  marketingPort: port(values['marketing-port']),
  seed: Number(values.seed),
  customers: Number(values.customers),
  persist: values.persist,
  warehouse,
  hubspot: true,
});

const tokens = Object.fromEntries(
  await Promise.all(roles.map(async (role) => [role, await signDevToken({ role })] as const)),
);
console.log(`
Custodian is up in ${((Date.now() - started) / 1000).toFixed(1)} s.

  HTTP API          ${runtime.apiUrl}            (GET /health)
  Privacy center    ${runtime.apiUrl}/
  Console           ${runtime.apiUrl}/console      (sign in: ${runtime.apiUrl}/dev/sign-in)
  DynamoDB Local    ${runtime.dynamo.endpoint}   ${values.persist ? `(persisted in ${values.persist})` : '(in memory)'}
  Step Functions    ${runtime.env.AWS_ENDPOINT_URL_SFN}
  S3 (reports)      ${runtime.s3.endpoint}
  Demo CRM          ${demo.crmUrl}
  Marketing (async) ${demo.marketing.url}
  HubSpot CRM       ${demo.hubspot?.url} (a rest system on the shipped hubspot definition)
  Core banking      DynamoDB table ${demo.coreBankingTable}
  Data warehouse    ${demo.warehouse ? `PostgreSQL table ${demo.warehouse.table} at ${demo.warehouse.url}${demo.warehouse.embedded ? ` (embedded PGlite${values.persist ? ', persisted' : ', in memory'})` : ''}` : 'none'}
  Demo data         ${demo.summary}${runtime.redriven.length ? `\n  Re-driven         ${runtime.redriven.length} unfinished request(s) from the last run` : ''}

Dev tokens (12 h; a new one: npm run --silent token -- --role <role> [--sub <id>]):
${roles.map((r) => `  ${r.padEnd(9)} ${tokens[r]}`).join('\n')}

${demo.walkthrough(tokens)}
Ctrl-C stops everything.
`);
ready = true;

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping...');
    await demo.stop();
    await runtime.stop();
    process.exit(0);
  });
}
