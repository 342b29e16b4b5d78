/**
 * `npm run --silent token -- --role <customer|crm|auditor|operator|steward> [--sub <id>] [--ttl <seconds>]`
 * prints a local dev token and nothing else.
 */
import { parseArgs } from 'node:util';
import { roles } from '#handlers/http/routes.ts';
import { isRole, signDevToken } from './dev-issuer.ts';

const usage = `usage: npm run --silent token -- --role <${roles.join('|')}> [--sub <id>] [--ttl <seconds>]`;

async function main(): Promise<void> {
  let values: { role?: string; sub?: string; ttl?: string };
  try {
    ({ values } = parseArgs({
      options: { role: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' } },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n${usage}\n`);
    process.exit(2);
  }
  if (!values.role || !isRole(values.role)) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  const ttlSeconds = values.ttl === undefined ? undefined : Number(values.ttl);
  if (ttlSeconds !== undefined && !Number.isFinite(ttlSeconds)) {
    process.stderr.write(`${usage}\n`);
    process.exit(2);
  }
  process.stdout.write(`${await signDevToken({ role: values.role, sub: values.sub, ttlSeconds })}\n`);
}

await main();
