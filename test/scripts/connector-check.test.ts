/** The connector harness a system owner runs: it passes a conforming endpoint and fails one that is not. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { startDemoCrm } from '#infra/local/demo/crm-service.ts';
import { crmRecords, demoCustomers } from '#infra/local/demo/customers.ts';
import { checkConnector } from '../../scripts/connector-check.ts';
import { checkRestDefinition } from '../../scripts/rest-check.ts';
import { startVendorApi } from '#infra/local/demo/vendor-api.ts';

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

describe('connector:check --definition (a rest system, dry run)', () => {
  it('finds the subject through the vendor’s search and says what an erasure would touch, changing nothing', async () => {
    const token = 'pat-check-token';
    const hubspot = await startVendorApi({
      kind: 'hubspot',
      secret: token,
      records: { contact: { '501': { email: 'ada@example.com', firstname: 'Ada', phone: '' } } },
    });
    try {
      const lines = await checkRestDefinition({
        definition: 'hubspot',
        settings: {
          name: 'CRM',
          baseUrl: hubspot.url,
          secretRef: 'check',
          fields: [
            { name: 'firstname', category: 'identity', strategy: 'redact' },
            { name: 'phone', category: 'contact', strategy: 'mask' },
          ],
        },
        subject: { email: 'ADA@example.com' },
        secret: token,
      });
      expect(lines).toEqual([{ object: 'contact', id: '501', erasure: 'delete', held: ['firstname'] }]);
      // Reads only: the search (a POST that changes nothing) and the record.
      expect(hubspot.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
        'POST /crm/v3/objects/contacts/search',
        'GET /crm/v3/objects/contacts/501',
      ]);
      expect(hubspot.store.get('contact')?.get('501')).toEqual({
        email: 'ada@example.com',
        firstname: 'Ada',
        phone: '',
      });
    } finally {
      await hubspot.stop();
    }
  });
});
