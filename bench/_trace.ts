import '#infra/local/polyfills.ts';
process.env.LOG_LEVEL = 'warn';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { startFleetRuntime } from './fleet-setup.ts';
const env = await startFleetRuntime({ systems: 25, delayMs: 300, customers: 3 });
const log: [number, string][] = [];
let t0 = 0;
documentClient().middlewareStack.add((next, ctx) => async (args) => { const s = performance.now(); const r = await next(args); log.push([s - t0, `${ctx.commandName} ${(performance.now()-s).toFixed(1)}ms ${JSON.stringify((args.input as any).Key ?? (args.input as any).Item?.PK ?? (args.input as any).ExpressionAttributeValues?.[':pk'] ?? '').slice(0,60)}`]); return r; }, { step: 'initialize', name: 'trace' });
for (const [i, c] of env.customers.entries()) {
  log.length = 0; t0 = performance.now();
  const id = await env.submitErasure(c);
  log.push([performance.now() - t0, 'SUBMITTED']);
  const done = await env.finished(id);
  log.push([performance.now() - t0, 'FINISHED ' + done.status]);
  const spans = env.systemIds.map((s) => env.fleet.span(id, s)!);
  log.push([Math.min(...spans.map((s) => s.first)) - t0, 'FIRST SYSTEM CALL']);
  log.push([Math.max(...spans.map((s) => s.first)) - t0, 'LAST SYSTEM CALL START']);
  log.push([Math.min(...spans.map((s) => s.last)) - t0, 'FIRST SYSTEM END']);
  log.push([Math.max(...spans.map((s) => s.last)) - t0, 'LAST SYSTEM END']);
  if (i < 2) continue;
  log.sort((a, b) => a[0] - b[0]);
  for (const [t, m] of log) console.log(t.toFixed(0).padStart(5), m);
}
await env.stop();
process.exit(0);
