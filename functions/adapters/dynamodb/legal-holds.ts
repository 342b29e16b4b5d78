/** Legal holds in the ECIF table, one per subject: `CUST#<ecifId>` / `HOLD`. */
import { DeleteCommand, GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { LegalHold, LegalHolds } from '#core/ecif/legal-hold.ts';
import { isConditionFailure, withoutKeys } from './client.ts';

const key = (ecifId: string) => ({ PK: `CUST#${ecifId}`, SK: 'HOLD' });

export class DynamoLegalHolds implements LegalHolds {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(ecifId: string) {
    const { Item } = await this.db.send(
      new GetCommand({ TableName: this.table, Key: key(ecifId), ConsistentRead: true }),
    );
    return Item ? withoutKeys<LegalHold>(Item) : undefined;
  }

  async put(hold: LegalHold) {
    await this.db.send(new PutCommand({ TableName: this.table, Item: { ...key(hold.ecifId), ...hold } }));
  }

  // Conditional: of two releases at once, only one deletes the hold and gets it back (and audits the release).
  async remove(ecifId: string) {
    try {
      const { Attributes } = await this.db.send(
        new DeleteCommand({
          TableName: this.table,
          Key: key(ecifId),
          ConditionExpression: 'attribute_exists(PK)',
          ReturnValues: 'ALL_OLD',
        }),
      );
      return Attributes ? withoutKeys<LegalHold>(Attributes) : undefined;
    } catch (err) {
      if (isConditionFailure(err)) return undefined;
      throw err;
    }
  }
}
