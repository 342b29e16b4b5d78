/** Every route's contract, read from its handler module (Node only: scripts and tests, never bundled). */
import { routeTable } from '../routes.ts';
import type { RouteContract } from '../../middleware/http-route.ts';

export async function routeContracts(): Promise<RouteContract[]> {
  return Promise.all(
    routeTable.map(async (row) => {
      const mod = (await import(`../${row.handler}.ts`)) as { handler?: { contract?: RouteContract } };
      if (!mod.handler?.contract) throw new Error(`route ${row.handler} is not built with httpRoute`);
      return mod.handler.contract;
    }),
  );
}
