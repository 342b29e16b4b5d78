/**
 * Planning a `rest` system that looks for subjects by their identifiers (`findBy`): a task only where the
 * subject has no cross-reference to it and the golden record holds one of those identifiers; its
 * `localId` names the search, never a value; a registration asking for a search its definition lacks is refused.
 */
import { describe, expect, it } from 'vitest';
import { markSearched, planErasure, searchReferences } from '#core/connectors/planning.ts';
import { type ConnectedSystem, systemInputSchema } from '#core/connectors/system.ts';

const at = new Date('2025-03-15T10:00:00.000Z');
const rest = (systemId: string, definition: string, findBy?: ('email' | 'phone')[]): ConnectedSystem => ({
  ...systemInputSchema.parse({
    name: systemId,
    connector: {
      kind: 'rest',
      definition,
      baseUrl: 'https://api.example.com',
      secretRef: 'x',
      ...(findBy ? { findBy } : {}),
    },
    capabilities: ['erase', 'verify'],
    fields: [{ name: 'email', category: 'contact', strategy: 'hash' }],
  }),
  systemId,
  updatedAt: at.toISOString(),
});

const hubspot = rest('hubspot', 'hubspot', ['email']);
const stripe = rest('stripe', 'stripe');
const record = { emails: ['ada@example.net'], phones: [] };

describe('search references', () => {
  it('a system with findBy and no cross-reference is searched; one with a cross-reference or without findBy is not', () => {
    expect(searchReferences([], [hubspot, stripe], record)).toEqual([
      { systemId: 'hubspot', localId: 'search:email', since: '', foundBy: ['email'] },
    ]);
    expect(searchReferences([{ systemId: 'hubspot', localId: '901', since: '' }], [hubspot], record)).toEqual([]);
  });

  it('a golden record without the identifier plans no search (and no record, none at all)', () => {
    expect(searchReferences([], [hubspot], { emails: [], phones: ['+44'] })).toEqual([]);
    expect(searchReferences([], [hubspot], undefined)).toEqual([]);
  });

  it('the erasure task made from one carries foundBy and no personal value', () => {
    const searched = searchReferences([], [hubspot], record);
    const [task] = markSearched(planErasure('r1', searched, [hubspot], at), searched);
    expect(task).toMatchObject({ systemId: 'hubspot', localId: 'search:email', foundBy: ['email'], state: 'pending' });
    expect(JSON.stringify(task)).not.toContain('ada@');
  });

  it('a registration asking for a search its definition has not is refused at connector.findBy', () => {
    const parsed = systemInputSchema.safeParse({
      name: 'stripe',
      connector: {
        kind: 'rest',
        definition: 'stripe',
        baseUrl: 'https://api.stripe.com',
        secretRef: 'x',
        findBy: ['phone'],
      },
      capabilities: ['erase'],
    });
    expect(parsed.error?.issues.map((i) => i.path.join('.'))).toEqual(['connector.findBy']);
  });
});
