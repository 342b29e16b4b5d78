/**
 * A golden-record merge and its split through the HTTP API on the local runtime: decisions by either
 * id (and by the merged person's system id) answer as the survivor, an open request follows the
 * merge and comes back with the split, both are audited; an erasure of the survivor erases both.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signDevToken } from '#infra/local/dev-issuer.ts';
import { startLocalRuntime, type LocalRuntime } from '#infra/local/runtime.ts';
import { contractClient } from '../support/contract.ts';

let runtime: LocalRuntime;
const tokens: Record<string, string> = {};
const api = contractClient(() => runtime.apiUrl);
const from = new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  runtime = await startLocalRuntime({ port: 0, retryIntervalMs: 5 });
  for (const role of ['crm', 'auditor', 'operator', 'steward'] as const) tokens[role] = await signDevToken({ role });
}, 120_000);
afterAll(async () => {
  await runtime?.stop();
});

const put = (ecifId: string, email: string, crossReferences: { systemId: string; localId: string }[] = []) =>
  api('PUT', `/v1/ecif/customers/${ecifId}`, {
    token: tokens.steward,
    body: { name: { given: ecifId, family: 'Merge' }, emails: [email], crossReferences },
  });
const capture = (ecifId: string, purpose: string, state: string) =>
  api('POST', '/v1/consents', {
    token: tokens.crm,
    body: {
      ecifId,
      choices: [{ purpose, channel: 'email', state }],
      jurisdiction: 'GDPR',
      notice: { id: 'privacy-notice', version: '3' },
      method: 'crm',
      evidence: { reference: 'e2e' },
    },
  });
const decide = async (subject: object, purpose: string) =>
  (
    await api('POST', '/v1/consent-decisions', {
      token: tokens.crm,
      body: { ...subject, purpose, channel: 'email', jurisdiction: 'GDPR' },
    })
  ).body;
const post = (path: string, body: object) => api('POST', path, { token: tokens.steward, body });
const auditOf = async (action: string) =>
  (await api('GET', `/v1/audit/events?from=${encodeURIComponent(from)}&action=${action}`, { token: tokens.auditor }))
    .body.items as { target: { ecifId: string }; details: Record<string, unknown> }[];

describe('merge and split through the HTTP API', () => {
  it('decisions, requests and audit follow the merge, and the split restores them', async () => {
    expect((await put('MRG-S', 'merge.s@example.org', [{ systemId: 'crm-x', localId: 'S-1' }])).status).toBe(201);
    expect((await put('MRG-D', 'merge.d@example.org', [{ systemId: 'bank-x', localId: 'D-1' }])).status).toBe(201);
    expect((await capture('MRG-S', 'marketing', 'granted')).status).toBe(201);
    expect((await capture('MRG-D', 'analytics', 'granted')).status).toBe(201);
    expect((await capture('MRG-D', 'marketing', 'withdrawn')).status).toBe(201);
    const before = {
      s: await decide({ ecifId: 'MRG-S' }, 'marketing'),
      d: await decide({ ecifId: 'MRG-D' }, 'analytics'),
    };
    expect(before.s).toMatchObject({ decision: 'allow', ecifId: 'MRG-S' });
    // An anonymous request by the merged person's email waits for its code: an open request of MRG-D.
    const submitted = await api('POST', '/v1/privacy-requests', {
      body: { type: 'access', jurisdiction: 'GDPR', identifiers: { email: 'merge.d@example.org' } },
    });
    expect(submitted.status).toBe(202);
    const requestOf = async () =>
      (await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: tokens.operator })).body.ecifId;
    expect(await requestOf()).toBe('MRG-D');

    const merged = await post('/v1/ecif/merges', { survivor: 'MRG-S', merged: ['MRG-D'] });
    expect(merged).toMatchObject({ status: 200, body: { changed: true, requests: 1, crossReferences: 1 } });
    // The withdrawal on the merged side is the later choice; analytics, granted only there, now the survivor's.
    for (const subject of [{ ecifId: 'MRG-S' }, { ecifId: 'MRG-D' }, { systemId: 'bank-x', localId: 'D-1' }]) {
      expect(await decide(subject, 'marketing')).toMatchObject({
        decision: 'deny',
        reason: 'withdrawn',
        ecifId: 'MRG-S',
      });
      expect(await decide(subject, 'analytics')).toMatchObject({ decision: 'allow', ecifId: 'MRG-S' });
    }
    expect(await requestOf()).toBe('MRG-S');
    const read = await api('GET', '/v1/ecif/customers/MRG-D', { token: tokens.steward });
    expect(read.body).toMatchObject({ ecifId: 'MRG-S', merged: ['MRG-D'] });
    expect((await post('/v1/ecif/merges', { survivor: 'MRG-S', merged: ['MRG-D'] })).body.changed).toBe(false);

    const split = await post('/v1/ecif/merges', { survivor: 'MRG-S', merged: ['MRG-D'], action: 'split' });
    expect(split).toMatchObject({ status: 200, body: { changed: true, requests: 1, crossReferences: 1 } });
    expect(await decide({ ecifId: 'MRG-S' }, 'marketing')).toEqual({
      ...before.s,
      decidedAt: expect.any(String),
      token: expect.any(String),
    });
    expect(await decide({ ecifId: 'MRG-D' }, 'analytics')).toEqual({
      ...before.d,
      decidedAt: expect.any(String),
      token: expect.any(String),
    });
    expect(await decide({ systemId: 'bank-x', localId: 'D-1' }, 'marketing')).toMatchObject({ ecifId: 'MRG-D' });
    expect(await requestOf()).toBe('MRG-D');

    const mergedAudit = (await auditOf('ecif.merged')).filter((e) => e.details.survivor === 'MRG-S');
    const splitAudit = (await auditOf('ecif.split')).filter((e) => e.details.survivor === 'MRG-S');
    expect(mergedAudit.map((e) => e.target.ecifId).sort()).toEqual(['MRG-D', 'MRG-S']);
    expect(splitAudit.map((e) => e.target.ecifId).sort()).toEqual(['MRG-D', 'MRG-S']);
    expect(JSON.stringify([...mergedAudit, ...splitAudit])).not.toContain('example.org');
  });

  it('hostile bodies are 4xx problems that change nothing; a stranger role is refused', async () => {
    expect((await post('/v1/ecif/merges', { survivor: 'X', merged: ['X'] })).status).toBe(422);
    expect((await post('/v1/ecif/merges', { survivor: 'NOPE-1', merged: ['NOPE-2'] })).status).toBe(404);
    const crm = await api('POST', '/v1/ecif/merges', { token: tokens.crm, body: { survivor: 'A', merged: ['B'] } });
    expect(crm.status).toBe(403);
  });

  it('an erasure of the survivor erases the record merged into it', async () => {
    await put('ERS-S', 'erase.s@example.org');
    await put('ERS-D', 'erase.d@example.org');
    expect((await post('/v1/ecif/merges', { survivor: 'ERS-S', merged: ['ERS-D'] })).status).toBe(200);
    const token = await signDevToken({ role: 'customer', sub: 'ERS-D' });
    const submitted = await api('POST', '/v1/privacy-requests', {
      token,
      body: { type: 'erasure', jurisdiction: 'GDPR', identifiers: { email: 'erase.d@example.org' } },
    });
    expect(submitted.status).toBe(202);
    let status = '';
    for (let i = 0; i < 300 && ['', 'received', 'in_progress'].includes(status); i++) {
      await new Promise((r) => setTimeout(r, 50));
      status = (await api('GET', `/v1/privacy-requests/${submitted.body.id}`, { token: tokens.operator })).body.status;
    }
    expect(status).toBe('completed');
    for (const ecifId of ['ERS-S', 'ERS-D'])
      expect(await decide({ ecifId }, 'analytics')).toMatchObject({ decision: 'deny', reason: 'erased' });
  });
});
