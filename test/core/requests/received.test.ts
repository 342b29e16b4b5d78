/**
 * A request as it is received, whichever way it came: stamped with the instant, due by the
 * statutory deadlines that run from it, and its trail opened with what it is, never who.
 */
import { describe, expect, it } from 'vitest';
import { deadlinesFor } from '#core/requests/deadlines.ts';
import { receivedRequest, recordReceived, type ReceivedFields } from '#core/requests/received.ts';
import { FakeAuditLog } from '../../support/fakes.ts';

const fields = (over: Partial<ReceivedFields> = {}): ReceivedFields => ({
  id: 'R1',
  type: 'erasure',
  jurisdiction: 'GDPR',
  channel: 'web',
  status: 'received',
  identityKeys: [],
  ecifId: 'C000001',
  verification: { state: 'verified', method: 'login', verifiedAt: '2026-03-02T09:00:00.000Z' },
  ...over,
});
const received = new Date('2026-03-02T09:00:00.000Z');
const holidays = new Set(['2026-04-02']);

describe('a received request', () => {
  it.each([
    { jurisdiction: 'GDPR' as const, rule: 'one month, moved to a working day' },
    { jurisdiction: 'CCPA' as const, rule: '45 calendar days' },
  ])(
    '$jurisdiction: acknowledged within 10 business days, answered within $rule, from the instant received',
    ({ jurisdiction }) => {
      const request = receivedRequest(fields({ jurisdiction }), received, holidays);
      const due = deadlinesFor(jurisdiction, received, holidays);
      expect(request).toMatchObject({
        receivedAt: received.toISOString(),
        updatedAt: received.toISOString(),
        ackDueAt: due.ackDueAt.toISOString(),
        dueAt: due.dueAt.toISOString(),
      });
    },
  );

  it('keeps what the way it came decided', () => {
    const request = receivedRequest(fields({ status: 'pending_verification', channel: 'api' }), received, holidays);
    expect(request).toMatchObject(fields({ status: 'pending_verification', channel: 'api' }));
  });
});

describe('its first audit event', () => {
  it('says what the request is, how it is verified and when it is due, with what the caller adds; the subject by default', async () => {
    const audit = new FakeAuditLog({ now: () => received });
    const request = receivedRequest(fields(), received, holidays);
    await recordReceived(
      { audit },
      request,
      { role: 'customer', principal: 'C000001' },
      { identifierKinds: ['email'] },
    );
    const [event] = await audit.stream('request:R1');
    expect(event).toMatchObject({
      action: 'request.received',
      target: { requestId: 'R1', ecifId: 'C000001' },
      details: {
        type: 'erasure',
        jurisdiction: 'GDPR',
        channel: 'web',
        verification: 'login',
        identifierKinds: ['email'],
        dueAt: request.dueAt,
      },
    });
  });

  it('names no subject when the caller says not to (an anonymous requester not yet verified)', async () => {
    const audit = new FakeAuditLog({ now: () => received });
    await recordReceived(
      { audit },
      receivedRequest(fields(), received, holidays),
      { role: 'anonymous', principal: 'anonymous' },
      {},
      {},
    );
    const [event] = await audit.stream('request:R1');
    expect(event.target).toEqual({ requestId: 'R1' });
  });
});
