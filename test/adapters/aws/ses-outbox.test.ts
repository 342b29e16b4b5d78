/**
 * The SES v2 outbox against moto: the composition root's outbox (OUTBOX=ses, SES_FROM) sends each
 * notice from a verified identity, and moto holds what was sent. An unverified sender is refused by
 * the emulator as by SES, and the error names neither the address nor the text.
 */
import { CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deps, resetDeps } from '#handlers/deps.ts';
import { render, type Notification } from '#core/notifications/outbox.ts';
import { composeWith, pointSdkAtMoto, sentEmails, startMoto, type Moto } from '../../support/moto.ts';

let moto: Moto;
let restore: () => void;
const from = 'privacy@bank.example';

const useOutbox = (sender: string) => composeWith({ OUTBOX: 'ses', SES_FROM: sender });

beforeAll(async () => {
  moto = await startMoto();
  restore = pointSdkAtMoto(moto);
  await new SESv2Client(moto.clientConfig).send(new CreateEmailIdentityCommand({ EmailIdentity: from }));
});

afterAll(async () => {
  restore?.();
  resetDeps();
  await moto?.stop();
});

describe('SES v2 outbox (moto)', () => {
  const notices: Notification['notice'][] = [
    { kind: 'verification_code', code: '123456', minutes: 15 },
    { kind: 'acknowledged', type: 'erasure', dueAt: '2026-01-31T00:00:00.000Z' },
    { kind: 'extended', extendedDueAt: '2026-03-31T00:00:00.000Z', reason: 'many systems' },
    { kind: 'denied', reason: 'manifestly_unfounded', detail: 'Repeated request.', complaint: 'Complain here.' },
    { kind: 'completed', type: 'erasure', result: 'erased', retained: ['core-banking: AML until 2031-01-01'] },
  ];

  it('sends every notice from the verified identity; moto holds subject and text as rendered', async () => {
    await useOutbox(from);
    const { outbox } = await deps();
    const sent: Notification[] = notices.map((notice, i) => ({
      requestId: `REQ-SES-${i}`,
      to: { email: `customer${i}@mail.example` },
      notice,
    }));
    for (const n of sent) await outbox.send(n);
    const held = await sentEmails(moto);
    expect(held).toHaveLength(notices.length);
    for (const n of sent) {
      const { subject, text } = render(n);
      const got = held.find((m) => m.destinations.ToAddresses.includes((n.to as { email: string }).email));
      expect(got).toMatchObject({ source: from, subject, body: text });
    }
  });

  it('a phone on file is not sent through SES', async () => {
    await useOutbox(from);
    const before = (await sentEmails(moto)).length;
    await (await deps()).outbox.send({ requestId: 'REQ-SES-P', to: { phone: '+441234567890' }, notice: notices[1]! });
    expect(await sentEmails(moto)).toHaveLength(before);
  });

  it('an unverified sender is refused; the error names the SDK error only', async () => {
    await useOutbox('nobody@unverified.example');
    const { outbox } = await deps();
    const err = await outbox
      .send({ requestId: 'REQ-SES-X', to: { email: 'secret.person@mail.example' }, notice: notices[0]! })
      .then(
        () => undefined,
        (e: Error) => e,
      );
    expect(err?.name).toBe('TransientSystemError');
    expect(err?.message).toMatch(/^notice not sent \(\w+\)$/);
    expect(err?.message).not.toMatch(/secret\.person|123456/);
  });
});
