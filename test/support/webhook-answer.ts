/** What a well-behaved `http` system answers (docs/connectors.md): done on an action, gone on a verify. */
import type { ServerResponse } from 'node:http';

export function answerDone(res: ServerResponse, call: { action: string; idempotencyKey: string }): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify(
      call.action === 'verify'
        ? { idempotencyKey: call.idempotencyKey, erased: true, remaining: [] }
        : { idempotencyKey: call.idempotencyKey, status: 'succeeded', recordsAffected: 1, fieldsChanged: ['email'] },
    ),
  );
}
