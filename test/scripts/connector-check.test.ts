/** The connector harness a system owner runs: it passes a conforming endpoint and fails one that is not. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDemoCrm } from '#infra/local/demo/crm-service.ts';
import { crmRecords, demoCustomers } from '#infra/local/demo/customers.ts';
import { checkConnector } from '../../scripts/connector-check.ts';

const secret = 'connector-check-secret-0123456789';

describe('connector:check', () => {
  it('passes the demo CRM, which implements the contract', async () => {
    const crm = await startDemoCrm({ secret, records: crmRecords(demoCustomers(1, 3)) });
    try {
      const results = await checkConnector({
        url: crm.url,
        secret,
        localId: 'CRM-1',
        fields: [
          { name: 'email', strategy: 'hash' },
          { name: 'phone', strategy: 'null' },
        ],
      });
      expect(results.filter((r) => !r.ok)).toEqual([]);
      expect(results).toHaveLength(9);
      expect(crm.store.get('CRM-1')?.phone).toBeNull();
    } finally {
      await crm.stop();
    }
  });

  it('fails an endpoint that accepts anything and echoes nothing', async () => {
    const lax = createServer((req, res) => {
      req.resume();
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ status: 'succeeded' }));
    });
    await new Promise<void>((r) => lax.listen(0, '127.0.0.1', r));
    try {
      const results = await checkConnector({
        url: `http://127.0.0.1:${(lax.address() as AddressInfo).port}/`,
        secret,
        localId: 'X',
        fields: [{ name: 'email', strategy: 'null' }],
      });
      const failed = results.filter((r) => !r.ok).map((r) => r.check);
      expect(failed).toEqual(
        expect.arrayContaining([
          'refuses a bad signature (401, nothing done)',
          'refuses a signature made for another path (401)',
          'erase: echoes the idempotency key',
          'verify: erased true and nothing remaining',
        ]),
      );
    } finally {
      lax.close();
    }
  });
});
