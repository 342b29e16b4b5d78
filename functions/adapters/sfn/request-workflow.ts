/** Starts the privacy-request state machine. The execution is named after the request (and the run, for an operator's retry), so a second start is a no-op. */
import { SFNClient, StartExecutionCommand } from '@aws-sdk/client-sfn';
import type { RequestWorkflow } from '#core/requests/ports.ts';

export class StepFunctionsRequestWorkflow implements RequestWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string,
  ) {}

  async start(requestId: string, run?: string) {
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: run ? `${requestId}-${run}` : requestId,
          input: JSON.stringify({ requestId }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    }
  }
}
