/**
 * Follow-up erasures in the requests table: `REQ#<requestId>` / `FOLLOWUP#<key>`. The `GSI1` index
 * finds them without a Scan: a scheduled one under `FOLLOWUP#due` sorted by `<dueAt>#<requestId>#<key>`
 * (the job asks for everything at or before now), a held one under `FOLLOWUP#held#<ecifId>` (a release
 * asks for its subject's). Started and done ones leave the index. No TTL: a follow-up must outlive the
 * request it follows (a 5-year retention outlasts a 2-year request record); a done one is a few ids.
 */
import {
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import type { FollowUp, FollowUpState, FollowUpStore } from '#core/requests/follow-ups.ts';
import { isConditionFailure, withoutKeys } from './client.ts';

const key = (requestId: string, k: string) => ({ PK: `REQ#${requestId}`, SK: `FOLLOWUP#${k}` });

function index(
  f: Pick<FollowUp, 'state' | 'dueAt' | 'ecifId' | 'requestId' | 'key' | 'createdAt'>,
): { GSI1PK: string; GSI1SK: string } | undefined {
  if (f.state === 'scheduled') return { GSI1PK: 'FOLLOWUP#due', GSI1SK: `${f.dueAt}#${f.requestId}#${f.key}` };
  if (f.state === 'held')
    return { GSI1PK: `FOLLOWUP#held#${f.ecifId}`, GSI1SK: `${f.createdAt}#${f.requestId}#${f.key}` };
  return undefined;
}

export class DynamoFollowUpStore implements FollowUpStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async putIfAbsent(f: FollowUp) {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...key(f.requestId, f.key), ...index(f), ...f },
          ConditionExpression: 'attribute_not_exists(SK)',
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async get(requestId: string, k: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key(requestId, k), ConsistentRead: true }),
    );
    return Item ? withoutKeys<FollowUp>(Item) : undefined;
  }

  private async query(pk: string, upTo?: string, limit = 100): Promise<FollowUp[]> {
    const { Items = [] } = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: 'GSI1',
        KeyConditionExpression: upTo ? 'GSI1PK = :pk AND GSI1SK <= :upTo' : 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk, ...(upTo ? { ':upTo': upTo } : {}) },
        Limit: limit,
      }),
    );
    return Items.map((i) => withoutKeys<FollowUp>(i));
  }

  // `~` sorts after every id character: everything due at that instant is included.
  due(at: string, limit = 100) {
    return this.query('FOLLOWUP#due', `${at}#~`, limit);
  }

  held(ecifId: string) {
    return this.query(`FOLLOWUP#held#${ecifId}`);
  }

  async claimRun(requestId: string, k: string, runRequestId: string) {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(requestId, k),
          UpdateExpression: 'SET runRequestId = :run',
          ConditionExpression: 'attribute_exists(SK) AND attribute_not_exists(runRequestId)',
          ExpressionAttributeValues: { ':run': runRequestId },
        }),
      );
      return runRequestId;
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
      const stored = (await this.get(requestId, k))?.runRequestId;
      if (!stored) throw err;
      return stored;
    }
  }

  async move(
    requestId: string,
    k: string,
    from: FollowUpState,
    patch: { state: FollowUpState; dueAt?: string; updatedAt: string },
  ) {
    const current = await this.get(requestId, k);
    if (!current) return false;
    const next = index({ ...current, ...patch });
    const sets = [
      '#state = :state',
      'updatedAt = :at',
      ...(patch.dueAt ? ['dueAt = :due'] : []),
      ...(next ? ['GSI1PK = :g1', 'GSI1SK = :g2'] : []),
    ];
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: key(requestId, k),
          UpdateExpression: `SET ${sets.join(', ')}${next ? '' : ' REMOVE GSI1PK, GSI1SK'}`,
          ConditionExpression: '#state = :from',
          ExpressionAttributeNames: { '#state': 'state' },
          ExpressionAttributeValues: {
            ':state': patch.state,
            ':at': patch.updatedAt,
            ':from': from,
            ...(patch.dueAt ? { ':due': patch.dueAt } : {}),
            ...(next ? { ':g1': next.GSI1PK, ':g2': next.GSI1SK } : {}),
          },
        }),
      );
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }
}
