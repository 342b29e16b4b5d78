/**
 * `npm run consent:carry-over-flags`: once, after upgrading a deployment to flags as ledger events.
 * Each flag set before then (a `CUR#~FLAGS` value with no event behind it) gets a first ledger event,
 * dated at the item's `updatedAt`, cause `carriedOver`; run again, it writes nothing. Needs the
 * functions' environment (TABLE_CONSENT, AWS credentials allowed to Scan and write that table).
 */
import { randomBytes } from 'node:crypto';
import { DynamoConsentLedger } from '#adapters/dynamodb/consent-ledger.ts';
import { pageCursors } from '#core/shared/page-cursor.ts';
import { documentClient } from '#adapters/dynamodb/client.ts';
import { config } from '#functions/config.ts';

// This run pages no history: its cursor codec has a key of its own, never handed out.
const cursors = pageCursors(randomBytes(32).toString('hex'));
const carried = await new DynamoConsentLedger(documentClient(), config().TABLE_CONSENT, cursors).carryOverFlags(
  new Date().toISOString(),
);
console.log(JSON.stringify({ carriedOver: carried }));
