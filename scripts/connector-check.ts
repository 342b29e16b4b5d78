/**
 * `npm run connector:check -- --url <webhook> --secret <signing secret> --local-id <a test subject's id> [--fields name:strategy,...]`
 *
 * The harness a connected system's owner runs against their own endpoint before it is registered:
 * it makes the calls Custodian makes, checks the answers against the contract (docs/connectors.md),
 * and checks that the endpoint refuses what it must refuse. Prints one line per check; exit 0 when
 * all pass. Use a test subject: the erase call really erases.
 */
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { requestPathOf, sign, SIGNATURE_HEADER } from '#core/connectors/signature.ts';
import { strategies } from '#core/connectors/system.ts';

export interface CheckResult {
  check: string;
  ok: boolean;
  detail: string;
}

export async function checkConnector(opts: {
  url: string;
  secret: string;
  localId: string;
  fields: { name: string; strategy: string }[];
}): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  const record = (check: string, ok: boolean, detail: string) => results.push({ check, ok, detail });
  const requestId = `connector-check-${randomUUID()}`;
  const body = (action: string, key = `${requestId}:${action}`) => ({
    requestId,
    systemId: 'connector-check',
    action,
    subject: { localId: opts.localId },
    fields: opts.fields,
    idempotencyKey: key,
  });
  // What Custodian signs: the method, the webhook's path (and query) and the body, with the timestamp.
  const signed = (text: string, path = requestPathOf(opts.url)) => ({ method: 'POST', path, body: text });
  const call = async (payload: object, signature?: string) => {
    const text = JSON.stringify(payload);
    const res = await fetch(opts.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signature ?? sign(opts.secret, signed(text)),
      },
      body: text,
      signal: AbortSignal.timeout(10_000),
    });
    return {
      status: res.status,
      json: (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined,
    };
  };

  const unsigned = await call(body('erase'), 't=1,v2=00');
  record('refuses a bad signature (401, nothing done)', unsigned.status === 401, `answered ${unsigned.status}`);
  const stale = JSON.stringify(body('erase'));
  const old = await call(JSON.parse(stale), sign(opts.secret, signed(stale), new Date(Date.now() - 10 * 60_000)));
  record('refuses a signature older than 5 minutes (replay)', old.status === 401, `answered ${old.status}`);
  const elsewhere = await call(JSON.parse(stale), sign(opts.secret, signed(stale, '/another/path')));
  record('refuses a signature made for another path (401)', elsewhere.status === 401, `answered ${elsewhere.status}`);
  const malformed = await call({ action: 'erase' });
  record(
    'refuses a malformed body with a 4xx',
    malformed.status >= 400 && malformed.status < 500,
    `answered ${malformed.status}`,
  );

  const erase = await call(body('erase'));
  record(
    'erase: 200 with status "succeeded"',
    erase.status === 200 && erase.json?.status === 'succeeded',
    `answered ${erase.status} ${String(erase.json?.status)}`,
  );
  record(
    'erase: echoes the idempotency key',
    erase.json?.idempotencyKey === `${requestId}:erase`,
    'the key must come back as sent',
  );
  record(
    'erase: says recordsAffected and fieldsChanged',
    typeof erase.json?.recordsAffected === 'number' && Array.isArray(erase.json?.fieldsChanged),
    JSON.stringify({ recordsAffected: erase.json?.recordsAffected, fieldsChanged: erase.json?.fieldsChanged }),
  );
  const replay = await call(body('erase'));
  record(
    'erase replayed with the same key: the same answer, no second effect',
    replay.status === 200 && JSON.stringify(replay.json) === JSON.stringify(erase.json),
    `answered ${replay.status}`,
  );

  const verify = await call(body('verify'));
  record(
    'verify: erased true and nothing remaining',
    verify.status === 200 &&
      verify.json?.erased === true &&
      Array.isArray(verify.json?.remaining) &&
      (verify.json.remaining as unknown[]).length === 0,
    JSON.stringify(verify.json ?? {}),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      url: { type: 'string' },
      secret: { type: 'string' },
      'local-id': { type: 'string' },
      fields: { type: 'string' },
    },
  });
  if (!values.url || !values.secret || !values['local-id']) {
    console.error(
      'usage: npm run connector:check -- --url <webhook> --secret <secret> --local-id <test subject id> [--fields email:hash,phone:null]',
    );
    process.exit(2);
  }
  const fields = (values.fields ?? 'email:null').split(',').map((pair) => {
    const [name, strategy] = pair.split(':');
    if (!(strategies as readonly string[]).includes(strategy)) throw new Error(`unknown strategy ${strategy}`);
    return { name, strategy };
  });
  const results = await checkConnector({ url: values.url, secret: values.secret, localId: values['local-id'], fields });
  for (const r of results) console.log(`${r.ok ? 'ok  ' : 'FAIL'}  ${r.check}${r.ok ? '' : `: ${r.detail}`}`);
  process.exit(results.every((r) => r.ok) ? 0 : 1);
}
