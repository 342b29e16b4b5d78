/**
 * The offline verifier on an NDJSON export: each line is the RFC 8785 JSON of the whole event, and
 * the bytes its hash is over are the line less its hash member. A line another tool rewrote (keys
 * in another order, other spacing) still verifies, through canonicalization; an edit never does.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import canonicalize from 'canonicalize';
import { describe, expect, it } from 'vitest';
import { chainNext, type AuditEvent, type AuditInput } from '#core/audit/event.ts';
import { exportLine, hashMemberOf } from '#core/audit/export-line.ts';
import { verifyExport } from '#core/audit/verify-export.ts';

const input = (stream: string) =>
  fc.record({
    stream: fc.constant(stream),
    actor: fc.record({
      role: fc.constantFrom('system', 'operator', 'auditor'),
      principal: fc.string({ minLength: 1, maxLength: 12 }),
    }),
    action: fc.stringMatching(/^[a-z]+\.[a-z_]+$/),
    target: fc.record(
      { requestId: fc.string({ maxLength: 26 }), systemId: fc.string({ maxLength: 12 }) },
      { requiredKeys: [] },
    ),
    // Keys named like chain fields, inside details, must not fool the line's hash member lookup.
    details: fc.dictionary(fc.constantFrom('hash', 'prevHash', 'seq', 'note', 'é'), fc.jsonValue({ maxDepth: 2 }), {
      maxKeys: 4,
    }),
  }) as fc.Arbitrary<AuditInput>;

function exported(inputs: AuditInput[]): { events: AuditEvent[]; lines: string[] } {
  const heads = new Map<string, AuditEvent>();
  const events = inputs.map((x, i) => {
    const e = chainNext(heads.get(x.stream), x, new Date(1_735_689_600_000 + i).toISOString());
    heads.set(x.stream, e);
    return e;
  });
  return { events, lines: events.map(exportLine) };
}

const streams = fc.array(fc.oneof(input('request:A'), input('consent:C1')), { minLength: 1, maxLength: 10 });

describe('export lines', () => {
  it('property: a line is the canonical JSON of the event; less its hash member, the bytes hashed', () => {
    fc.assert(
      fc.property(streams, (inputs) => {
        const { events, lines } = exported(inputs);
        lines.forEach((line, i) => {
          const { hash, ...body } = events[i];
          expect(line).toBe(canonicalize(events[i]));
          const m = hashMemberOf(line, hash)!;
          expect(line.slice(0, m.start) + line.slice(m.end)).toBe(canonicalize(body));
          expect(createHash('sha256').update(canonicalize(body)!).digest('hex')).toBe(hash);
        });
      }),
    );
  });
});

describe('verifyExport', () => {
  it('property: an export verifies, as written and as another tool rewrote it', async () => {
    await fc.assert(
      fc.asyncProperty(streams, async (inputs) => {
        const { lines } = exported(inputs);
        expect(await verifyExport(lines)).toMatchObject({ ok: true, events: lines.length });
        const rewritten = lines.map((l) =>
          JSON.stringify(Object.fromEntries(Object.entries(JSON.parse(l)).reverse()), null, 1).replace(/\n/g, ''),
        );
        expect(await verifyExport(rewritten)).toMatchObject({ ok: true, events: lines.length });
        // Read from a file: the same answer, line by line.
        expect(
          await verifyExport(
            (async function* () {
              yield* lines;
            })(),
          ),
        ).toMatchObject({ ok: true, events: lines.length });
      }),
    );
  });

  it('property: a changed value anywhere in a line is a hash-mismatch on that line', async () => {
    await fc.assert(
      fc.asyncProperty(
        streams.chain((xs) => fc.tuple(fc.constant(xs), fc.nat({ max: xs.length - 1 }))),
        async ([inputs, i]) => {
          const { events, lines } = exported(inputs);
          const edited = lines.map((l, j) =>
            j === i ? exportLine({ ...events[j], action: `${events[j].action}x` }) : l,
          );
          expect(await verifyExport(edited)).toMatchObject({
            ok: false,
            firstBreak: { line: i + 1, problem: 'hash-mismatch' },
          });
        },
      ),
    );
  });

  it('a line is hashed as it stands, less its hash member: the bytes are not canonicalized again', async () => {
    // Sealed bytes the canonicalizer would write otherwise (`1.0` is `1` in RFC 8785): only the fast path can vouch for them.
    const bytes =
      '{"action":"request.started","actor":{"principal":"t","role":"system"},"at":"2025-01-01T00:00:00.000Z","details":{"n":1.0},"prevHash":"' +
      '0'.repeat(64) +
      '","seq":1,"stream":"request:A","target":{}}';
    const hash = createHash('sha256').update(bytes).digest('hex');
    const line = bytes.replace('"prevHash"', `"hash":"${hash}","prevHash"`);
    expect(await verifyExport([line])).toMatchObject({ ok: true, events: 1 });
    // The same event written another way is canonicalized, and its canonical bytes are not what was hashed.
    expect(await verifyExport([line.replace('{"action"', '{ "action"')])).toMatchObject({
      ok: false,
      firstBreak: { line: 1, problem: 'hash-mismatch' },
    });
  });

  it('a line whose hash member was moved, duplicated into details or dropped is refused', async () => {
    const { events, lines } = exported([
      {
        stream: 'request:A',
        actor: { role: 'system', principal: 't' },
        action: 'request.started',
        target: {},
        details: {},
      },
      {
        stream: 'request:A',
        actor: { role: 'system', principal: 't' },
        action: 'request.planned',
        target: {},
        details: { n: 1 },
      },
    ]);
    const second = events[1];
    const withHashInDetails = exportLine({ ...second, details: { ...second.details, hash: second.hash } });
    expect(await verifyExport([lines[0], withHashInDetails])).toMatchObject({
      ok: false,
      firstBreak: { line: 2, problem: 'hash-mismatch' },
    });
    const { hash: _h, ...noHash } = second;
    expect(await verifyExport([lines[0], JSON.stringify(noHash)])).toMatchObject({
      ok: false,
      firstBreak: { line: 2, problem: 'not-an-event' },
    });
  });
});
