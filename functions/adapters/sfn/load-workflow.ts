/** The ECIF load state machine: one execution per job, named after it, so a second start is a no-op. */
import { StartExecutionCommand, type SFNClient } from '@aws-sdk/client-sfn';
import type { LoadWorkflow } from '#core/ecif/load-ports.ts';

export class StepFunctionsLoadWorkflow implements LoadWorkflow {
  constructor(
    private readonly client: SFNClient,
    private readonly stateMachineArn: string | undefined,
  ) {}

  async start(jobId: string) {
    if (!this.stateMachineArn) throw new Error('invalid configuration: LOAD_STATE_MACHINE_ARN');
    try {
      await this.client.send(
        new StartExecutionCommand({
          stateMachineArn: this.stateMachineArn,
          name: jobId,
          input: JSON.stringify({ jobId }),
        }),
      );
    } catch (err) {
      if ((err as Error).name !== 'ExecutionAlreadyExists') throw err;
    }
  }
}
