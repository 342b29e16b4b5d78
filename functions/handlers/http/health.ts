/** GET /health: the version and whether each dependency answers. Never a 5xx for a dependency down: 503. */
import { config } from '#functions/config.ts';
import { httpRoute } from '../middleware/http-route.ts';
import { healthResponse } from './responses.ts';

export const handler = httpRoute(
  'health',
  { summary: 'Version and dependency state', responses: { 200: healthResponse, 503: healthResponse } },
  async ({ deps }) => {
    const probe = async (check: () => Promise<unknown>) => {
      const started = Date.now();
      try {
        await check();
        return { status: 'up' as const, ms: Date.now() - started };
      } catch (err) {
        return { status: 'down' as const, error: (err as Error).name };
      }
    };
    const dependencies = {
      // A read of an id that cannot exist: proves the table, the key and the credentials.
      ecif: await probe(() => deps.ecif.getCustomer('__health__')),
      workflow: { status: config().STATE_MACHINE_ARN ? ('configured' as const) : ('not_configured' as const) },
    };
    const up = dependencies.ecif.status === 'up';
    return {
      status: up ? 200 : 503,
      body: { status: up ? 'ok' : 'degraded', version: config().SERVICE_VERSION, dependencies },
    };
  },
);
