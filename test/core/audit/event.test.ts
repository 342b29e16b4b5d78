/**
 * The audit hash chain: each event holds the previous event's hash and SHA-256 over its own RFC 8785
 * canonical JSON, so editing, dropping, inserting or reordering events is found, at the position it happened.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import canonicalize from 'canonicalize';
import {
  chainNext,
  genesisHash,
  hashEvent,
  openSealed,
  sealNext,
  verifyChain,
  verifySealed,
  type AuditEvent,
  type AuditInput,
  type ChainBreak,
} from '#core/audit/event.ts';
import { canonicalJsonWithout } from '#core/audit/canonical.ts';
import type { Actor } from '#core/shared/actor.ts';

const roles: Actor['role'][] = [
  'customer',
  'crm',
  'auditor',
  'operator',
  'steward',
  'anonymous',
  'system',
  'connected-system',
];

const inputFor = (stream: string) =>
  fc.record({
    stream: fc.constant(stream),
    actor: fc.record({ role: fc.constantFrom(...roles), principal: fc.string({ minLength: 1, maxLength: 20 }) }),
    action: fc.stringMatching(/^[a-z]+(\.[a-z_]+){1,2}$/),
    target: fc.record(
      {
        requestId: fc.string({ maxLength: 26 }),
        ecifId: fc.string({ maxLength: 12 }),
        systemId: fc.string({ maxLength: 12 }),
      },
      { requiredKeys: [] },
    ),
    details: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 5 }),
  }) as fc.Arbitrary<AuditInput>;

const start = Date.parse('2025-01-01T00:00:00.000Z');
function chain(inputs: AuditInput[]): AuditEvent[] {
  const out: AuditEvent[] = [];
  for (const [i, input] of inputs.entries())
    out.push(chainNext(out.at(-1), input, new Date(start + i * 1000).toISOString()));
  return out;
}

const chains = (min: number) => fc.array(inputFor('request:01J0TEST'), { minLength: min, maxLength: 12 }).map(chain);

/** Ways to tamper with one event; each makes a different JSON document. */
const edits: Record<string, (e: AuditEvent) => AuditEvent> = {
  stream: (e) => ({ ...e, stream: `${e.stream}x` }),
  at: (e) => ({ ...e, at: new Date(Date.parse(e.at) + 1).toISOString() }),
  'actor.role': (e) => ({ ...e, actor: { ...e.actor, role: e.actor.role === 'system' ? 'operator' : 'system' } }),
  'actor.principal': (e) => ({ ...e, actor: { ...e.actor, principal: `${e.actor.principal}x` } }),
  action: (e) => ({ ...e, action: `${e.action}!` }),
  target: (e) => ({ ...e, target: { ...e.target, ecifId: `${e.target.ecifId ?? ''}x` } }),
  'details (added)': (e) => ({ ...e, details: { ...e.details, '§tamper': e.details['§tamper'] === 1 ? 2 : 1 } }),
  'details (removed)': (e) =>
    Object.keys(e.details).length > 0
      ? { ...e, details: Object.fromEntries(Object.entries(e.details).slice(1)) }
      : { ...e, details: { removed: null } },
};

const flipHex = (h: string, i: number) => h.slice(0, i) + (h[i] === '0' ? '1' : '0') + h.slice(i + 1);

describe('chainNext', () => {
  const input: AuditInput = {
    stream: 'request:R1',
    actor: { role: 'system', principal: 'privacy-request-workflow' },
    action: 'request.started',
    target: { requestId: 'R1' },
    details: { type: 'erasure' },
  };

  it('starts a stream at seq 1 from the genesis hash', () => {
    const e = chainNext(undefined, input, '2025-01-01T00:00:00.000Z');
    expect(e.seq).toBe(1);
    expect(e.prevHash).toBe(genesisHash);
    expect(genesisHash).toBe('0'.repeat(64));
  });

  it('hashes the RFC 8785 canonical JSON of the event without its hash', () => {
    const e = chainNext(undefined, input, '2025-01-01T00:00:00.000Z');
    // Keys sorted by code unit, no whitespace: written out by hand.
    const canonical =
      '{"action":"request.started","actor":{"principal":"privacy-request-workflow","role":"system"},"at":"2025-01-01T00:00:00.000Z",' +
      `"details":{"type":"erasure"},"prevHash":"${genesisHash}","seq":1,"stream":"request:R1","target":{"requestId":"R1"}}`;
    expect(e.hash).toBe(createHash('sha256').update(canonical).digest('hex'));
  });

  it('follows its head: seq + 1 and the head’s hash', () => {
    const first = chainNext(undefined, input, '2025-01-01T00:00:00.000Z');
    const second = chainNext(first, { ...input, action: 'request.planned' }, '2025-01-01T00:00:01.000Z');
    expect(second.seq).toBe(2);
    expect(second.prevHash).toBe(first.hash);
    expect(second.hash).not.toBe(first.hash);
  });

  it('property: the hash does not depend on key order (canonical JSON)', () => {
    fc.assert(
      fc.property(chains(1), ([e]) => {
        const { hash, ...body } = e;
        const reversed = Object.fromEntries(Object.entries(body).reverse()) as Omit<AuditEvent, 'hash'>;
        expect(hashEvent(reversed)).toBe(hash);
      }),
    );
  });
});

/** The events as the log would store them after the same tampering: their bytes, each with the hash it holds. */
const asStored = (events: AuditEvent[]): ChainBreak | undefined =>
  verifySealed(
    'request:01J0TEST',
    events.map((e) => ({ canonical: canonicalJsonWithout(e, 'hash')!, hash: e.hash })),
  );

describe('sealNext', () => {
  it('property: the sealed bytes are the canonical JSON of the event without its hash, and hash to it', () => {
    fc.assert(
      fc.property(inputFor('request:01J0TEST'), (input) => {
        const { event, sealed } = sealNext(undefined, input, '2025-01-01T00:00:00.000Z');
        const { hash, ...body } = event;
        expect(sealed.canonical).toBe(canonicalize(body));
        expect(sealed.hash).toBe(hash);
        expect(createHash('sha256').update(sealed.canonical).digest('hex')).toBe(hash);
        expect(openSealed(sealed)).toEqual(JSON.parse(JSON.stringify(event)));
      }),
    );
  });
});

describe('verifySealed (the stored bytes) finds what verifyChain finds', () => {
  it('property: any sequence as sealed verifies, and its bytes give back the events', () => {
    fc.assert(
      fc.property(fc.array(inputFor('request:01J0TEST'), { maxLength: 12 }), (inputs) => {
        const sealed: ReturnType<typeof sealNext>[] = [];
        for (const [i, input] of inputs.entries())
          sealed.push(sealNext(sealed.at(-1)?.event, input, new Date(start + i * 1000).toISOString()));
        expect(
          verifySealed(
            'request:01J0TEST',
            sealed.map((s) => s.sealed),
          ),
        ).toBeUndefined();
        // As JSON gives them back (-0 is 0 in JSON, and in the hashed bytes).
        expect(sealed.map((s) => openSealed(s.sealed))).toEqual(sealed.map((s) => JSON.parse(JSON.stringify(s.event))));
      }),
    );
  });

  it('bytes that are not JSON are a hash-mismatch; bytes of another stream are misplaced', () => {
    const [a, b] = chain([
      {
        stream: 'request:01J0TEST',
        actor: { role: 'system', principal: 't' },
        action: 'request.started',
        target: {},
        details: {},
      },
      {
        stream: 'request:01J0TEST',
        actor: { role: 'system', principal: 't' },
        action: 'request.planned',
        target: {},
        details: {},
      },
    ]);
    const seal = (e: AuditEvent) => ({ canonical: canonicalJsonWithout(e, 'hash')!, hash: e.hash });
    expect(verifySealed('request:01J0TEST', [seal(a), { ...seal(b), canonical: seal(b).canonical.slice(1) }])).toEqual({
      stream: 'request:01J0TEST',
      seq: 2,
      problem: 'hash-mismatch',
    });
    expect(verifySealed('request:OTHER', [seal(a)])).toEqual({ stream: 'request:OTHER', seq: 1, problem: 'misplaced' });
  });

  it.each(Object.keys(edits))('property: editing %s of any stored event is found at that event', (field) => {
    fc.assert(
      fc.property(
        chains(1).chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }))),
        ([events, i]) => {
          const tampered = events.map((e, j) => (j === i ? edits[field](e) : e));
          // Moved to another stream's bytes: the key it is stored under says otherwise.
          expect(asStored(tampered)).toEqual({
            stream: 'request:01J0TEST',
            seq: i + 1,
            problem: field === 'stream' ? 'misplaced' : 'hash-mismatch',
          });
        },
      ),
    );
  });

  it('property: dropped, swapped, renumbered and re-hashed stored events are found where verifyChain finds them', () => {
    fc.assert(
      fc.property(
        chains(2).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 2 }), fc.nat({ max: 63 })),
        ),
        ([events, i, at]) => {
          const cases = [
            events.filter((_, j) => j !== i),
            events.map((e, j) => (j === i ? events[i + 1] : j === i + 1 ? events[i] : e)),
            events.map((e, j) => (j === i ? { ...e, seq: e.seq + 1 } : e)),
            events.map((e, j) => (j === i ? { ...e, hash: flipHex(e.hash, at) } : e)),
            events.map((e, j) => (j === i ? { ...e, prevHash: flipHex(e.prevHash, at) } : e)),
          ];
          for (const tampered of cases) expect(asStored(tampered)).toEqual(verifyChain(tampered));
        },
      ),
    );
  });
});

describe('verifyChain', () => {
  it('property: any sequence appended with chainNext verifies', () => {
    fc.assert(
      fc.property(chains(0), (events) => {
        expect(verifyChain(events)).toBeUndefined();
        for (const [i, e] of events.entries()) expect(e.seq).toBe(i + 1);
      }),
    );
  });

  it.each(Object.keys(edits))('property: editing %s of any event is a hash-mismatch at that event', (field) => {
    fc.assert(
      fc.property(
        chains(1).chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }))),
        ([events, i]) => {
          const tampered = events.map((e, j) => (j === i ? edits[field](e) : e));
          expect(verifyChain(tampered)).toEqual({ stream: tampered[i].stream, seq: i + 1, problem: 'hash-mismatch' });
        },
      ),
    );
  });

  it('property: a rewritten hash is a hash-mismatch at that event', () => {
    fc.assert(
      fc.property(
        chains(1).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }), fc.nat({ max: 63 })),
        ),
        ([events, i, at]) => {
          const tampered = events.map((e, j) => (j === i ? { ...e, hash: flipHex(e.hash, at) } : e));
          expect(verifyChain(tampered)).toEqual({ stream: events[i].stream, seq: i + 1, problem: 'hash-mismatch' });
        },
      ),
    );
  });

  it('property: a rewritten prevHash is a prev-hash-mismatch at that event', () => {
    fc.assert(
      fc.property(
        chains(1).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }), fc.nat({ max: 63 })),
        ),
        ([events, i, at]) => {
          const tampered = events.map((e, j) => (j === i ? { ...e, prevHash: flipHex(e.prevHash, at) } : e));
          expect(verifyChain(tampered)).toEqual({
            stream: events[i].stream,
            seq: i + 1,
            problem: 'prev-hash-mismatch',
          });
        },
      ),
    );
  });

  it('property: a renumbered event is a sequence-gap naming the seq it holds', () => {
    fc.assert(
      fc.property(
        chains(1).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 1 }), fc.integer({ min: 1, max: 5 })),
        ),
        ([events, i, by]) => {
          const tampered = events.map((e, j) => (j === i ? { ...e, seq: e.seq + by } : e));
          expect(verifyChain(tampered)).toEqual({ stream: events[i].stream, seq: i + 1 + by, problem: 'sequence-gap' });
        },
      ),
    );
  });

  it('property: dropping any event but the last is a sequence-gap at the event after it', () => {
    fc.assert(
      fc.property(
        chains(2).chain((events) => fc.tuple(fc.constant(events), fc.nat({ max: events.length - 2 }))),
        ([events, i]) => {
          const dropped = events.filter((_, j) => j !== i);
          expect(verifyChain(dropped)).toEqual({ stream: events[i].stream, seq: i + 2, problem: 'sequence-gap' });
        },
      ),
    );
  });

  it('property: swapping two events is a sequence-gap at the first position moved', () => {
    fc.assert(
      fc.property(
        chains(2).chain((events) =>
          fc
            .tuple(fc.nat({ max: events.length - 1 }), fc.nat({ max: events.length - 1 }))
            .filter(([a, b]) => a !== b)
            .map(([a, b]) => [events, Math.min(a, b), Math.max(a, b)] as const),
        ),
        ([events, i, j]) => {
          const swapped = [...events];
          [swapped[i], swapped[j]] = [swapped[j], swapped[i]];
          expect(verifyChain(swapped)).toEqual({ stream: events[i].stream, seq: j + 1, problem: 'sequence-gap' });
        },
      ),
    );
  });

  it('property: an event forged into the middle (properly chained to its predecessor) breaks the next one', () => {
    fc.assert(
      fc.property(
        chains(2).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 2 }), inputFor('request:01J0TEST')),
        ),
        ([events, i, forged]) => {
          const fake = chainNext(events[i], forged, events[i].at);
          const inserted = [...events.slice(0, i + 1), fake, ...events.slice(i + 1)];
          expect(verifyChain(inserted)).toEqual({ stream: events[i].stream, seq: i + 2, problem: 'sequence-gap' });
        },
      ),
      { numRuns: 40 },
    );
  });

  it('property: an event replaced by a forgery re-chained in its place breaks the next one', () => {
    fc.assert(
      fc.property(
        chains(2).chain((events) =>
          fc.tuple(fc.constant(events), fc.nat({ max: events.length - 2 }), inputFor('request:01J0TEST')),
        ),
        ([events, i, forged]) => {
          const fake = chainNext(events[i - 1], forged, events[i].at);
          fc.pre(fake.hash !== events[i].hash);
          const replaced = events.map((e, j) => (j === i ? fake : e));
          expect(verifyChain(replaced)).toEqual({
            stream: events[i].stream,
            seq: i + 2,
            problem: 'prev-hash-mismatch',
          });
        },
      ),
      { numRuns: 40 },
    );
  });
});
