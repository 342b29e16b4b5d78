/** `consent.changed` on an EventBridge bus: source `custodian.consent`, detail-type `consent.changed`. */
import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import type { ConsentChangePublisher, ConsentChanged } from '#core/consent/changes.ts';

export class EventBridgeConsentChanges implements ConsentChangePublisher {
  constructor(
    private readonly events: EventBridgeClient,
    private readonly bus: string,
  ) {}

  async publish(change: ConsentChanged) {
    const out = await this.events.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: this.bus,
            Source: 'custodian.consent',
            DetailType: change.type,
            Detail: JSON.stringify(change),
            Time: new Date(change.at),
          },
        ],
      }),
    );
    if (out.FailedEntryCount)
      throw new Error(`consent.changed not accepted (${out.Entries?.[0]?.ErrorCode ?? 'unknown'})`);
  }
}
