/**
 * The requests table read for reports and the dashboard, through indexes only (the IAM grants have no
 * Scan): `GSI2` (`RECEIVED#<yyyy-mm>` / `<receivedAt>#<id>`, written with each request) for what was
 * received in a period, one partition per month; `GSI1` (`STATUS#<status>` / `<held-to deadline>#<id>`)
 * for counts by status and deadline. Only the attributes a figure needs are read, never identifiers.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { RequestFacts, RequestFigures } from '#core/reports/ports.ts';
import type { RequestStatus } from '#core/requests/request.ts';

/** The received-date index keys of a request (set once, at creation: the date never changes). */
export const receivedIndex = (r: { receivedAt: string; id: string }) => ({
  GSI2PK: `RECEIVED#${r.receivedAt.slice(0, 7)}`,
  GSI2SK: `${r.receivedAt}#${r.id}`,
});

/** The months (`yyyy-mm`) that [from, to) touches. */
export function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  const at = new Date(`${from.slice(0, 7)}-01T00:00:00.000Z`);
  while (at.toISOString() < to) {
    months.push(at.toISOString().slice(0, 7));
    at.setUTCMonth(at.getUTCMonth() + 1);
  }
  return months;
}

export class DynamoRequestFigures implements RequestFigures {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async *received(from: string, to: string): AsyncIterable<RequestFacts> {
    for (const month of monthsBetween(from, to)) {
      let key: Record<string, unknown> | undefined;
      do {
        const out = await this.db.send(
          new QueryCommand({
            TableName: this.table,
            IndexName: 'GSI2',
            // `<to>` sorts before every `<to>#<id>`: a request received at `to` itself is left out.
            KeyConditionExpression: 'GSI2PK = :m AND GSI2SK BETWEEN :from AND :to',
            ProjectionExpression:
              'id, #type, jurisdiction, #status, receivedAt, dueAt, #ext.extendedDueAt, completedAt, denial.reason, followUp',
            ExpressionAttributeNames: { '#type': 'type', '#status': 'status', '#ext': 'extension' },
            ExpressionAttributeValues: { ':m': `RECEIVED#${month}`, ':from': from, ':to': to },
            ...(key ? { ExclusiveStartKey: key } : {}),
          }),
        );
        for (const item of out.Items ?? []) yield facts(item);
        key = out.LastEvaluatedKey;
      } while (key);
    }
  }

  async countByStatus(status: RequestStatus, dueBefore?: string) {
    let count = 0;
    let key: Record<string, unknown> | undefined;
    do {
      const out = await this.db.send(
        new QueryCommand({
          TableName: this.table,
          IndexName: 'GSI1',
          KeyConditionExpression: dueBefore ? 'GSI1PK = :s AND GSI1SK < :due' : 'GSI1PK = :s',
          ExpressionAttributeValues: { ':s': `STATUS#${status}`, ...(dueBefore ? { ':due': dueBefore } : {}) },
          Select: 'COUNT',
          ...(key ? { ExclusiveStartKey: key } : {}),
        }),
      );
      count += out.Count ?? 0;
      key = out.LastEvaluatedKey;
    } while (key);
    return count;
  }
}

function facts(item: Record<string, unknown>): RequestFacts {
  const extension = item.extension as { extendedDueAt?: string } | undefined;
  const denial = item.denial as { reason?: string } | undefined;
  return {
    id: item.id as string,
    type: item.type as RequestFacts['type'],
    jurisdiction: item.jurisdiction as RequestFacts['jurisdiction'],
    status: item.status as RequestStatus,
    receivedAt: item.receivedAt as string,
    dueAt: item.dueAt as string,
    ...(extension?.extendedDueAt ? { extendedDueAt: extension.extendedDueAt } : {}),
    ...(item.completedAt ? { completedAt: item.completedAt as string } : {}),
    ...(denial?.reason ? { denialReason: denial.reason } : {}),
    followUp: item.followUp !== undefined,
  };
}
