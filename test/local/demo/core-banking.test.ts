import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DescribeTableCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { DynamoTableConnector } from '#adapters/connectors/dynamodb-table.ts';
import type { SystemWork } from '#core/connectors/connector.ts';
import { planErasure } from '#core/connectors/planning.ts';
import { systemInputSchema, type ConnectedSystem, type FieldRule } from '#core/connectors/system.ts';
import { createCoreBankingTable, seedCoreBanking } from '#infra/local/demo/core-banking.ts';
import { coreBankingRecords, demoCustomers } from '#infra/local/demo/customers.ts';
import { CORE_BANKING_TABLE, coreBankingSystem } from '#infra/local/demo/systems.ts';
import { startDynamoDbLocal, type DynamoDbLocal } from '#infra/local/dynamodb.ts';

let ddb: DynamoDbLocal;
let doc: DynamoDBDocumentClient;
const customers = demoCustomers(42, 60);
const accounts = coreBankingRecords(customers);

beforeAll(async () => {
  ddb = await startDynamoDbLocal();
  doc = DynamoDBDocumentClient.from(ddb.client, { marshallOptions: { removeUndefinedValues: true } });
});
afterAll(async () => {
  await ddb?.stop();
});

const scan = async (table: string) =>
  ((await ddb.client.send(new ScanCommand({ TableName: table, ConsistentRead: true }))).Items ?? []).map((i) =>
    unmarshall(i),
  );

describe('core-banking table', () => {
  it('is created on demand, keyed by accountId, once', async () => {
    expect(await createCoreBankingTable(ddb.client)).toEqual({ tableName: CORE_BANKING_TABLE, created: true });
    const { Table } = await ddb.client.send(new DescribeTableCommand({ TableName: CORE_BANKING_TABLE }));
    expect(Table?.KeySchema).toEqual([{ AttributeName: 'accountId', KeyType: 'HASH' }]);
    expect(Table?.BillingModeSummary?.BillingMode).toBe('PAY_PER_REQUEST');
    expect(await createCoreBankingTable(ddb.client)).toEqual({ tableName: CORE_BANKING_TABLE, created: false });
  });

  it('is seeded with every account in chunks of 25, and seeding again changes nothing', async () => {
    expect(accounts.length).toBeGreaterThan(50);
    expect(await seedCoreBanking(ddb.client, CORE_BANKING_TABLE, accounts)).toBe(accounts.length);
    const byId = (xs: Record<string, unknown>[]) =>
      [...xs].sort((a, b) => String(a.accountId).localeCompare(String(b.accountId)));
    const first = byId(await scan(CORE_BANKING_TABLE));
    expect(first).toEqual(byId(accounts));
    await seedCoreBanking(ddb.client, CORE_BANKING_TABLE, accounts);
    expect(byId(await scan(CORE_BANKING_TABLE))).toEqual(first);
  });

  it('is erased by the real DynamoTableConnector: retained fields stay under the AML exemption, the rest is erased', async () => {
    const system: ConnectedSystem = {
      ...systemInputSchema.parse(coreBankingSystem()),
      systemId: 'core-banking',
      updatedAt: new Date().toISOString(),
    };
    const subject = customers.find((c) => c.coreBanking?.nationalId)!;
    const original = subject.coreBanking!;
    const at = new Date('2026-01-15T10:00:00Z');
    const [task] = planErasure(
      'req-core',
      subject.input.crossReferences.filter((x) => x.systemId === 'core-banking').map((x) => ({ ...x, since: '' })),
      [system],
      at,
    );
    expect(task.state).toBe('pending');
    expect(task.exemptions.map((e) => e.field)).toEqual([
      'accountNumber',
      'balance',
      'kycDocumentRef',
      'transactionSummary',
    ]);
    expect(task.exemptions[0]).toEqual({
      field: 'accountNumber',
      basis: 'AML record-keeping',
      citation: 'EU AMLD Art. 40; 31 CFR 1010.430',
      until: '2031-01-15T10:00:00.000Z',
      afterRetention: 'mask',
    });

    const work: SystemWork = {
      requestId: 'req-core',
      system,
      action: 'erase',
      localId: task.localId,
      fields: task.fields.map((f) => system.fields.find((s) => s.name === f.name) as FieldRule),
      idempotencyKey: 'req-core:core-banking',
    };
    const connector = new DynamoTableConnector(
      doc,
      { kind: 'dynamodb', table: CORE_BANKING_TABLE, keyAttribute: 'accountId' },
      'hash-key-for-tests',
    );
    expect(await connector.verify(work)).toMatchObject({ verified: false, remaining: work.fields.map((f) => f.name) });

    const outcome = await connector.execute(work);
    expect(outcome.recordsAffected).toBe(1);
    expect(outcome.fieldsChanged.sort()).toEqual([
      'address',
      'dateOfBirth',
      'email',
      'holderName',
      'nationalId',
      'phone',
      'postcode',
    ]);

    const { Item } = await doc.send(
      new GetCommand({ TableName: CORE_BANKING_TABLE, Key: { accountId: original.accountId }, ConsistentRead: true }),
    );
    expect(Item).toEqual({
      ...original,
      holderName: '[REDACTED]',
      email: expect.stringMatching(/^hmac:[0-9a-f]{32}$/),
      phone: null,
      address: '[REDACTED]',
      postcode: original.postcode.split(' ')[0].toUpperCase(),
      dateOfBirth: original.dateOfBirth.slice(0, 4),
      nationalId: '*'.repeat(original.nationalId!.length - 2) + original.nationalId!.slice(-2),
      // Retained, untouched: accountNumber, balance, kycDocumentRef, transactionSummary (and the non-personal currency, dates).
    });
    expect(Item!.accountNumber).toBe(original.accountNumber);
    expect(Item!.balance).toBe(original.balance);

    expect(await connector.verify(work)).toEqual({ verified: true, remaining: [], method: 'read-back' });
    expect(await connector.execute(work)).toMatchObject({ recordsAffected: 0, fieldsChanged: [] });

    // Others untouched.
    const other = accounts.find((a) => a.accountId !== original.accountId)!;
    const { Item: otherItem } = await doc.send(
      new GetCommand({ TableName: CORE_BANKING_TABLE, Key: { accountId: other.accountId } }),
    );
    expect(otherItem).toEqual(other);
  });

  it('creates and seeds a table under another name', async () => {
    expect(await createCoreBankingTable(ddb.client, 'demo-core-banking-2')).toEqual({
      tableName: 'demo-core-banking-2',
      created: true,
    });
    await seedCoreBanking(ddb.client, 'demo-core-banking-2', accounts.slice(0, 3));
    expect(await scan('demo-core-banking-2')).toHaveLength(3);
  });
});
