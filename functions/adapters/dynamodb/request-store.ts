/**
 * Privacy requests on DynamoDB: `REQ#<id>`/`META`, `REQ#<id>`/`SYS#<systemId>`, and
 * `IDEMP#<keyHash>`/`IDEMP` claims for Idempotency-Key. The `GSI1` index lists requests by status and due date.
 */
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { IdempotencyClaim, RequestStore } from '#core/requests/ports.ts';
import type { PrivacyRequest, SystemTask } from '#core/requests/request.ts';
import { IdempotencyKeyReusedError } from '#core/shared/errors.ts';
import { failedConditions, isConditionFailure, isTransactionCancelled, setExpression, withoutKeys } from './client.ts';

const meta = (id: string) => ({ PK: `REQ#${id}`, SK: 'META' });
const statusIndex = (r: Pick<PrivacyRequest, 'status' | 'dueAt' | 'id'>) => ({ GSI1PK: `STATUS#${r.status}`, GSI1SK: `${r.dueAt}#${r.id}` });

export class DynamoRequestStore implements RequestStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async create(request: PrivacyRequest, claim?: IdempotencyClaim) {
    const put = {
      Put: { TableName: this.table, Item: { ...meta(request.id), ...statusIndex(request), ...request }, ConditionExpression: 'attribute_not_exists(PK)' },
    };
    if (!claim) {
      await this.db.send(new TransactWriteCommand({ TransactItems: [put] }));
      return { request, replayed: false };
    }
    const claimKey = { PK: `IDEMP#${claim.keyHash}`, SK: 'IDEMP' };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...claimKey, requestId: request.id, bodyHash: claim.bodyHash, at: request.receivedAt },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            put,
          ],
        }),
      );
      return { request, replayed: false };
    } catch (err) {
      if (!(isTransactionCancelled(err) && failedConditions(err).includes(0))) throw err;
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: claimKey, ConsistentRead: true }));
      if (!Item || Item.bodyHash !== claim.bodyHash) {
        throw new IdempotencyKeyReusedError('this Idempotency-Key was used with a different request body');
      }
      const first = await this.get(Item.requestId as string);
      if (!first) throw err;
      return { request: first, replayed: true };
    }
  }

  async get(id: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: meta(id), ConsistentRead: true }));
    return Item ? withoutKeys<PrivacyRequest>(Item) : undefined;
  }

  async update(id: string, patch: Partial<Omit<PrivacyRequest, 'id'>>) {
    const current = patch.status ? await this.get(id) : undefined;
    const index = current && patch.status ? statusIndex({ ...current, status: patch.status }) : {};
    await this.db.send(
      new UpdateCommand({ TableName: this.table, Key: meta(id), ConditionExpression: 'attribute_exists(PK)', ...setExpression({ ...patch, ...index }) }),
    );
  }

  async putTaskIfAbsent(task: SystemTask) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { PK: `REQ#${task.requestId}`, SK: `SYS#${task.systemId}`, ...task },
          ConditionExpression: 'attribute_not_exists(SK)',
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async getTask(requestId: string, systemId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: { PK: `REQ#${requestId}`, SK: `SYS#${systemId}` }, ConsistentRead: true }),
    );
    return Item ? withoutKeys<SystemTask>(Item) : undefined;
  }

  async updateTask(requestId: string, systemId: string, patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>>) {
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: { PK: `REQ#${requestId}`, SK: `SYS#${systemId}` },
        ConditionExpression: 'attribute_exists(SK)',
        ...setExpression(patch),
      }),
    );
  }

  async tasks(requestId: string) {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :sys)',
        ExpressionAttributeValues: { ':pk': `REQ#${requestId}`, ':sys': 'SYS#' },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((i) => withoutKeys<SystemTask>(i));
  }

  /** Request ids in one status, earliest due first (the `GSI1` index, eventually consistent). */
  async idsByStatus(status: PrivacyRequest['status'], limit = 100) {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :s',
        ExpressionAttributeValues: { ':s': `STATUS#${status}` },
        ProjectionExpression: 'id',
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => i.id as string);
  }
}
