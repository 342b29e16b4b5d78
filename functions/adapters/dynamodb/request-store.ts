/**
 * Privacy requests on DynamoDB: `REQ#<id>`/`META`, `REQ#<id>`/`SYS#<systemId>`, and `SUBJ#<ecifId>`/`OPEN#<type>` claims for the duplicate rule. The `GSI1`
 * index lists requests by status and held-to deadline, `GSI2` by received date (request-figures.ts). A closed request's items carry `expiresAt` (TTL):
 * kept the configured retention (11 CCR §7101: at least 24 months), then gone.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  TransactWriteCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { assertMove, keepsStatus } from '#core/requests/lifecycle.ts';
import type { RequestFilter, RequestPatch, RequestStore } from '#core/requests/ports.ts';
import type { PageCursors } from '#core/shared/page-cursor.ts';
import {
  effectiveDueAt,
  terminalStatuses,
  type PrivacyRequest,
  type RequestStatus,
  type RequestType,
  type SystemTask,
  type SystemTaskState,
} from '#core/requests/request.ts';
import { ConflictError } from '#core/shared/errors.ts';
import { conditionalUpdates, type GroupCommit, type Update } from './group-commit.ts';
import { batchGet, isConditionFailure, isTransactionCancelled, setExpression, withoutKeys } from './client.ts';
import { receivedIndex } from './request-figures.ts';

const meta = (id: string) => ({ PK: `REQ#${id}`, SK: 'META' });
const statusKey = (status: RequestStatus) => `STATUS#${status}`;
const statusIndex = (r: Pick<PrivacyRequest, 'status' | 'dueAt' | 'extension' | 'id'>) => ({
  GSI1PK: statusKey(r.status),
  GSI1SK: `${effectiveDueAt(r)}#${r.id}`,
});
const unstored = (item: Record<string, unknown>) => {
  const { expiresAt: _ttl, ...rest } = withoutKeys<Record<string, unknown>>(item);
  return rest;
};
type Patch = Partial<Omit<PrivacyRequest, 'id'>>;
/** Attributes a patch with `undefined` clears (the rest of `undefined` means "leave"). */
const clearable = ['corrections', 'attention'] as const;

export class DynamoRequestStore implements RequestStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly cursors: PageCursors,
    /** Days a closed request is kept. */
    private readonly retentionDays = 730,
  ) {}

  async create(request: PrivacyRequest) {
    await this.db.send(
      new PutCommand({
        TableName: this.table,
        Item: { ...meta(request.id), ...statusIndex(request), ...receivedIndex(request), ...request },
        ConditionExpression: 'attribute_not_exists(PK)',
      }),
    );
  }

  async get(id: string) {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key: meta(id), ConsistentRead: true }));
    return Item ? (unstored(Item) as unknown as PrivacyRequest) : undefined;
  }

  /** Per request, the system steps asking in this turn of the event loop: read together once it ends. */
  private readonly gathering = new Map<
    string,
    { systemIds: Set<string>; read: Promise<Map<string, Record<string, unknown>>> }
  >();

  async getPlanned(id: string, systemId: string) {
    let batch = this.gathering.get(id);
    if (!batch) {
      const systemIds = new Set<string>();
      const read = new Promise<void>((r) => setImmediate(r)).then(() => {
        // Who asks from now on starts the next read: this one's keys are fixed.
        this.gathering.delete(id);
        const keys = [meta(id), ...[...systemIds].map((s) => ({ PK: `REQ#${id}`, SK: `SYS#${s}` }))];
        return batchGet(this.db, this.table, keys, { consistentRead: true }).then(
          (items) => new Map(items.map((i) => [String(i.SK), i])),
        );
      });
      batch = { systemIds, read };
      this.gathering.set(id, batch);
    }
    batch.systemIds.add(systemId);
    const items = await batch.read;
    const request = items.get('META');
    const task = items.get(`SYS#${systemId}`);
    // Each caller its own copy: the read is shared, the objects are not.
    return request
      ? structuredClone({
          request: unstored(request) as unknown as PrivacyRequest,
          task: task ? (unstored(task) as unknown as SystemTask) : undefined,
        })
      : undefined;
  }

  /** The patch with the index keys and TTL it implies, and the attributes it clears. */
  private async expression(id: string, patch: Patch) {
    // A new status moves the item in the index; the sort key changes only with its deadline (the one
    // place that needs the rest of the request, read here).
    const current = patch.extension || patch.dueAt ? await this.get(id) : undefined;
    const index = current
      ? statusIndex({ ...current, ...patch })
      : patch.status
        ? { GSI1PK: statusKey(patch.status) }
        : {};
    const ttl = patch.completedAt
      ? { expiresAt: Math.floor(Date.parse(patch.completedAt) / 1000) + this.retentionDays * 86_400 }
      : {};
    const remove = clearable.filter((k) => k in patch && patch[k] === undefined);
    return setExpression({ ...patch, ...index, ...ttl }, remove);
  }

  async update(id: string, patch: RequestPatch) {
    keepsStatus(patch);
    await this.db.send(
      new UpdateCommand({
        TableName: this.table,
        Key: meta(id),
        ConditionExpression: 'attribute_exists(PK)',
        ...(await this.expression(id, patch)),
      }),
    );
  }

  async transition(id: string, from: RequestStatus, to: RequestStatus, patch: RequestPatch = {}) {
    keepsStatus(patch);
    assertMove(from, to, `moved to ${to}`);
    await this.ifStatus(id, from, { ...patch, status: to });
  }

  async updateIfStatus(id: string, status: RequestStatus, patch: RequestPatch) {
    keepsStatus(patch);
    await this.ifStatus(id, status, patch);
  }

  private async ifStatus(id: string, from: RequestStatus, patch: Patch) {
    const expression = await this.expression(id, patch);
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: meta(id),
          ...expression,
          ConditionExpression: '#status = :from',
          ExpressionAttributeNames: { ...expression.ExpressionAttributeNames, '#status': 'status' },
          ExpressionAttributeValues: { ...expression.ExpressionAttributeValues, ':from': from },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      throw new ConflictError(`the request is no longer ${from}`, {
        requestStatus: from,
        wanted: patch.status ?? from,
      });
    }
  }

  async list(filter: RequestFilter, page: { limit: number; cursor?: string }) {
    // The cursor: which status of the filter, and where in its partition of the index; sealed for those statuses.
    const scope = `requests:${filter.statuses.join(',')}`;
    const position = page.cursor
      ? this.cursors.open<{ s: number; k: Record<string, unknown> | null }>(page.cursor, scope)
      : { s: 0, k: null };
    const items: PrivacyRequest[] = [];
    let i = position.s;
    let key = position.k ?? undefined;
    // A deadline moved earlier since the last page: nothing of this status is left before it.
    if (key && filter.dueBefore && String(key.GSI1SK) >= filter.dueBefore) [i, key] = [i + 1, undefined];
    while (i < filter.statuses.length && items.length < page.limit) {
      const conditions = ['GSI1PK = :s', ...(filter.dueBefore ? ['GSI1SK < :due'] : [])];
      const filters = [
        ...(filter.type ? ['#type = :type'] : []),
        ...(filter.jurisdiction ? ['jurisdiction = :j'] : []),
        ...(filter.ecifId ? ['ecifId = :e'] : []),
      ];
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'GSI1',
          KeyConditionExpression: conditions.join(' AND '),
          ...(filters.length ? { FilterExpression: filters.join(' AND ') } : {}),
          ...(filter.type ? { ExpressionAttributeNames: { '#type': 'type' } } : {}),
          ExpressionAttributeValues: {
            ':s': statusKey(filter.statuses[i]),
            ...(filter.dueBefore ? { ':due': filter.dueBefore } : {}),
            ...(filter.type ? { ':type': filter.type } : {}),
            ...(filter.jurisdiction ? { ':j': filter.jurisdiction } : {}),
            ...(filter.ecifId ? { ':e': filter.ecifId } : {}),
          },
          Limit: page.limit - items.length,
          ...(key ? { ExclusiveStartKey: key } : {}),
        }),
      );
      items.push(...(out.Items ?? []).map((item) => unstored(item) as unknown as PrivacyRequest));
      key = out.LastEvaluatedKey;
      if (!key) i++;
    }
    return {
      items,
      ...(i < filter.statuses.length ? { cursor: this.cursors.seal({ s: i, k: key ?? null }, scope) } : {}),
    };
  }

  async countAttempt(id: string, before: number) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: meta(id),
          UpdateExpression: 'SET verification.attempts = :next',
          ConditionExpression:
            '#status = :pending AND (verification.attempts = :before OR (attribute_not_exists(verification.attempts) AND :before = :zero))',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':next': before + 1,
            ':before': before,
            ':pending': 'pending_verification',
            ':zero': 0,
          },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      throw new ConflictError('another try at this code is being checked: try again');
    }
  }

  async claimOpen(ecifId: string, type: RequestType, requestId: string) {
    const Key = { PK: `SUBJ#${ecifId}`, SK: `OPEN#${type}` };
    for (let attempt = 0; attempt < 3; attempt++) {
      const { Item } = await this.db.send(new GetCommand({ TableName: this.table, Key, ConsistentRead: true }));
      const holder = Item?.requestId as string | undefined;
      if (holder === requestId) return requestId;
      if (holder) {
        const held = await this.get(holder);
        // A claim whose request closed (or never got written) is stale: it may be taken over.
        if (held && !terminalStatuses.includes(held.status)) return holder;
      }
      try {
        await this.db.send(
          new PutCommand({
            TableName: this.table,
            Item: { ...Key, requestId },
            ...(holder
              ? { ConditionExpression: 'requestId = :held', ExpressionAttributeValues: { ':held': holder } }
              : { ConditionExpression: 'attribute_not_exists(PK)' }),
          }),
        );
        return requestId;
      } catch (err) {
        if (!isConditionFailure(err)) throw err;
      }
    }
    throw new ConflictError('another request for this subject is being filed at the same moment: try again');
  }

  async putTasksIfAbsent(tasks: SystemTask[]) {
    const puts = tasks.map((task) => ({
      TableName: this.table,
      Item: { PK: `REQ#${task.requestId}`, SK: `SYS#${task.systemId}`, ...task },
      ConditionExpression: 'attribute_not_exists(SK)',
    }));
    // A first plan writes them all in one transaction; a re-plan (some written already) one by one.
    if (puts.length > 1 && puts.length <= 100) {
      try {
        await this.db.send(new TransactWriteCommand({ TransactItems: puts.map((Put) => ({ Put })) }));
        return;
      } catch (err) {
        if (!isTransactionCancelled(err)) throw err;
      }
    }
    await Promise.all(
      puts.map(async (put) => {
        try {
          await this.db.send(new PutCommand(put));
        } catch (err) {
          if (!isConditionFailure(err)) throw err;
        }
      }),
    );
  }

  async getTask(requestId: string, systemId: string) {
    const { Item } = await this.db.send(
      new GetCommand({
        TableName: this.table,
        Key: { PK: `REQ#${requestId}`, SK: `SYS#${systemId}` },
        ConsistentRead: true,
      }),
    );
    return Item ? (unstored(Item) as unknown as SystemTask) : undefined;
  }

  async claimTask(requestId: string, systemId: string, at: string) {
    try {
      const { Attributes } = await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: { PK: `REQ#${requestId}`, SK: `SYS#${systemId}` },
          UpdateExpression: 'SET #state = :running, updatedAt = :at ADD attempts :one',
          ConditionExpression: '#state IN (:pending, :running, :waiting)',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':running': 'running',
            ':pending': 'pending',
            ':waiting': 'waiting',
            ':at': at,
            ':one': 1,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return unstored(Attributes!) as unknown as SystemTask;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
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

  /** Task moves of this process, group-committed (the steps of one request settle at once). */
  private moves?: GroupCommit<Update>;

  async moveTask(
    requestId: string,
    systemId: string,
    from: SystemTaskState,
    patch: Partial<Omit<SystemTask, 'requestId' | 'systemId'>> & { state: SystemTaskState },
  ) {
    const set = setExpression(patch);
    try {
      await (this.moves ??= conditionalUpdates(this.db)).add(this.table, {
        TableName: this.table,
        Key: { PK: `REQ#${requestId}`, SK: `SYS#${systemId}` },
        ConditionExpression: '#from = :from',
        ...set,
        ExpressionAttributeNames: { ...set.ExpressionAttributeNames, '#from': 'state' },
        ExpressionAttributeValues: { ...set.ExpressionAttributeValues, ':from': from },
      });
    } catch (err) {
      if (isConditionFailure(err))
        throw new ConflictError(`the system step is no longer ${from}`, { systemState: from, wanted: patch.state });
      throw err;
    }
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
    return (Items ?? []).map((i) => unstored(i) as unknown as SystemTask);
  }

  /** Request ids in one status, earliest due first (the `GSI1` index, eventually consistent). */
  async idsByStatus(status: PrivacyRequest['status'], limit = 100) {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'GSI1',
        KeyConditionExpression: 'GSI1PK = :s',
        ExpressionAttributeValues: { ':s': statusKey(status) },
        ProjectionExpression: 'id',
        Limit: limit,
      }),
    );
    return (Items ?? []).map((i) => i.id as string);
  }
}
