/**
 * Re-driving unfinished requests: every request still received or in progress is started again
 * (earliest due first); finished ones and ones waiting for an operator are left alone.
 */
import { describe, expect, it } from 'vitest';
import { redriveUnfinished } from '#core/requests/redrive.ts';
import type { PrivacyRequest, RequestStatus } from '#core/requests/request.ts';
import { fixedClock } from '#core/shared/clock.ts';
import { FakeAuditLog, FakeRequestStore, FakeRequestWorkflow } from '../../support/fakes.ts';

const clock = fixedClock('2025-06-02T00:00:00.000Z');
const audit = new FakeAuditLog(clock);

function request(id: string, status: RequestStatus, dueAt: string): PrivacyRequest {
  return {
    id,
    type: 'erasure',
    jurisdiction: 'GDPR',
    channel: 'web',
    status,
    identityKeys: [],
    verification: { state: 'verified', method: 'login' },
    receivedAt: '2025-06-01T00:00:00.000Z',
    ackDueAt: '2025-06-13T00:00:00.000Z',
    dueAt,
    updatedAt: '2025-06-01T00:00:00.000Z',
  };
}

describe('redriveUnfinished', () => {
  it('starts received then in-progress requests, each earliest due first, and nothing else', async () => {
    const requests = new FakeRequestStore();
    const workflow = new FakeRequestWorkflow();
    const all: [string, RequestStatus, string][] = [
      ['R-late', 'received', '2025-07-10T00:00:00.000Z'],
      ['R-early', 'received', '2025-07-01T00:00:00.000Z'],
      ['P-1', 'in_progress', '2025-06-20T00:00:00.000Z'],
      ['N-1', 'needs_attention', '2025-06-15T00:00:00.000Z'],
      ['C-1', 'completed', '2025-06-15T00:00:00.000Z'],
      ['X-1', 'partially_completed', '2025-06-15T00:00:00.000Z'],
      ['D-1', 'denied', '2025-06-15T00:00:00.000Z'],
    ];
    for (const [id, status, due] of all) await requests.create(request(id, status, due));

    expect(await redriveUnfinished({ requests, workflow, audit, clock })).toEqual(['R-early', 'R-late', 'P-1']);
    expect([...workflow.started]).toEqual(['R-early', 'R-late', 'P-1']);
    expect(workflow.calls).toBe(3);
  });

  it('with nothing unfinished, starts nothing', async () => {
    const workflow = new FakeRequestWorkflow();
    expect(await redriveUnfinished({ requests: new FakeRequestStore(), workflow, audit, clock })).toEqual([]);
    expect(workflow.calls).toBe(0);
  });

  it("starts each under the run it is in (an operator's retry), so that run's end still speaks for it", async () => {
    const requests = new FakeRequestStore();
    const workflow = new FakeRequestWorkflow();
    await requests.create({ ...request('P-2', 'in_progress', '2025-06-20T00:00:00.000Z'), run: 'retry-1' });
    await redriveUnfinished({ requests, workflow, audit, clock });
    expect([...workflow.started]).toEqual(['P-2-retry-1']);
  });
});
