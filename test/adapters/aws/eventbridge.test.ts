/**
 * `consent.changed` on EventBridge against moto, through the composition root's publisher
 * (CONSENT_EVENT_BUS): a rule on the bus with an SQS target receives it, as a subscriber's would;
 * the event carries ids and choices only.
 */
import {
  CreateEventBusCommand,
  EventBridgeClient,
  PutRuleCommand,
  PutTargetsCommand,
} from '@aws-sdk/client-eventbridge';
import { CreateQueueCommand, GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsentChanged } from '#core/consent/changes.ts';
import { deps, resetDeps } from '#handlers/deps.ts';
import { composeWith, pointSdkAtMoto, startMoto, type Moto } from '../../support/moto.ts';

let moto: Moto;
let restore: () => void;
let queueUrl: string;
const bus = 'custodian-consent-events';

beforeAll(async () => {
  moto = await startMoto();
  restore = pointSdkAtMoto(moto);
  const events = new EventBridgeClient(moto.clientConfig);
  const sqs = new SQSClient(moto.clientConfig);
  await events.send(new CreateEventBusCommand({ Name: bus }));
  queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: 'marketing-consent' }))).QueueUrl!;
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
  );
  // A subscriber's rule: consent.changed from Custodian, into its queue.
  await events.send(
    new PutRuleCommand({
      Name: 'marketing-consent',
      EventBusName: bus,
      EventPattern: JSON.stringify({ source: ['custodian.consent'], 'detail-type': ['consent.changed'] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: 'marketing-consent',
      EventBusName: bus,
      Targets: [{ Id: 'q', Arn: Attributes!.QueueArn }],
    }),
  );
  await composeWith({ CONSENT_EVENT_BUS: bus });
});
afterAll(async () => {
  restore?.();
  resetDeps();
  await moto?.stop();
});

describe('consent.changed on EventBridge (moto)', () => {
  it('reaches a rule with an SQS target, ids and choices only', async () => {
    const change: ConsentChanged = {
      type: 'consent.changed',
      ecifId: 'C000007',
      at: '2026-12-04T10:00:00.000Z',
      receiptId: '01M90YD8S1KCAYH7W7XG4FHE6Y',
      choices: [{ purpose: 'marketing', channel: 'email', state: 'withdrawn' }],
      flags: { optOutSale: true },
    };
    await (await deps()).changes!.publish(change);
    const sqs = new SQSClient(moto.clientConfig);
    const { Messages } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 2, MaxNumberOfMessages: 10 }),
    );
    expect(Messages).toHaveLength(1);
    const event = JSON.parse(Messages![0]!.Body!);
    expect(event).toMatchObject({ source: 'custodian.consent', 'detail-type': 'consent.changed', detail: change });
    expect(Object.keys(event.detail).sort()).toEqual(['at', 'choices', 'ecifId', 'flags', 'receiptId', 'type']);
  });
});
